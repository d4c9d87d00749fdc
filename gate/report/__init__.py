"""Renderers: each takes a Decision and returns a string; the CLI writes it.

They may import the core modules, ``tree`` (shown names), ``deps`` (advisory words),
``scanners`` (tool data) and ``policy`` (the Decision and the policy's words); they never
run policy logic again, scan or write files."""
