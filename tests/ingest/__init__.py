"""Tests of gate/ingest/."""
