"""The one registry of scanner adapters, by the name used in policies and flags.

To add a scanner: write its module (a ``BaseScanner`` subclass) and add one line here.
Policy keys, waiver scopes, redaction, inline suppressions and SARIF tool data are all
asked of the entries of ``REGISTRY``; tests may replace an entry to simulate a broken
adapter.

Scanners may import the core modules, ``guards``, ``process``, ``tree``, ``cache`` (its
location) and ``deps``; they know nothing of policy, reports or the scan that runs them.
"""

from __future__ import annotations

from gate.findings import Finding
from gate.scanners.bandit import BanditScanner
from gate.scanners.interface import Scanner
from gate.scanners.pip_audit import PipAuditScanner
from gate.scanners.secrets import SecretsScanner
from gate.scanners.semgrep import SemgrepScanner
from gate.scanners.text import TextScanner
from gate.scanners.zizmor import ZizmorScanner

REGISTRY: dict[str, Scanner] = {
    "bandit": BanditScanner(),
    "semgrep": SemgrepScanner(),
    "pip-audit": PipAuditScanner(),
    "zizmor": ZizmorScanner(),
    "secrets": SecretsScanner(),
    "bidi": TextScanner(),
}


def accepting(option: str) -> list[str]:
    """Scanners that declare ``option`` among their own policy keys (e.g. ``advisory_db``)."""
    return [name for name, scanner in REGISTRY.items() if option in scanner.options]


def is_secret_finding(f: Finding) -> bool:
    """True for findings marked ``secret`` and those their scanner calls credentials
    (``Scanner.is_secret``: every kingfisher finding, bandit B105-B107)."""
    scanner = REGISTRY.get(f.scanner)
    return f.secret or (scanner is not None and scanner.is_secret(f))
