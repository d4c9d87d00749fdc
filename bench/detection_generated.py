"""Detection cases written at run time: hard-coded credentials in real formats (a committed
one would be a real-looking secret in the tree, and scanners of this repository would flag
it). Each case is fresh random material in the credential's format; ``cases()`` returns the
files keyed by ``<category>/<file>``, markers included."""

from __future__ import annotations


def cases() -> dict[str, str]:
    """Every generated case: none yet beyond the committed corpus."""
    return {}
