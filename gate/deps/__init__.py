"""Dependency data, naming no scanner: manifests and lock files read without running code
(``manifests``), OSV advisory records and their download, store, loopback service and
matching (``osv``, ``advisory_store``, ``advisory_data``, ``live_records``, ``server``,
``matcher``, ``severity``), the package index (``index``, ``existence``) and dependency
findings at manifest lines (``findings``).

It may import the core modules, ``guards``, ``process``, ``tree`` and ``cache``.
"""
