"""Tests of gate/tree/."""
