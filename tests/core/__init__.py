"""Tests of the core modules at the top of gate/ (errors, lines, findings, runs, the codec,
process, suppressions, baseline, app)."""
