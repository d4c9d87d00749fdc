"""Tests of gate/guards/."""
