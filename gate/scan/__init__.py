"""Running the scanners: which files each one gets, running them at once, confining and
redacting what they report (``run``), and each scanner's run through the result cache
(``cached``).

It may import the core modules, ``guards``, ``tree``, ``cache``, ``scanners`` and
``policy`` (for the settings a run needs); never ``report``, ``shards`` or ``app``.
"""
