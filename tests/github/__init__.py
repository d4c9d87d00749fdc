"""Tests of gate/github/."""
