"""Tests of gate/scan/."""
