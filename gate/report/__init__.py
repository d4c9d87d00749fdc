"""Renderers: each takes a Decision and returns a string; the CLI writes it."""
