"""The result cache: the store outside the scanned tree with atomic, checked entries
(``store``), per-file entries packed one pack per scanner run (``packs``), and where the
caches live by default (``location``). Which key a scanner's results get is the scan's
business (``gate.scan.cached``).

It may import the core modules, ``guards``, ``process`` and ``tree``; never a scanner.
"""
