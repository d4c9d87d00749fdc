"""Tests of gate/cache/."""
