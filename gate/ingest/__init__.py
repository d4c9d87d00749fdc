"""Results written elsewhere, read back as findings: SARIF from any tool
(``sarif_import``) and the gate's own JSON report (``report_import``).

It may import everything below the reports: the core modules, ``guards``, ``tree``,
``scanners``, ``suppressions``, ``baseline`` and ``policy``; never ``report`` or ``scan``.
"""
