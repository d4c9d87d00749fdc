"""The policy: finding and loading it (``load``, ``from_ref`` for a git ref), validating it
(``schema``), its model, and evaluating findings into a ``Decision`` (``evaluate``,
``decision``, ``what_if``).

It may import the core modules, ``guards``, ``tree``, ``deps`` (reachability words, advisory
ids, a pin's fixing version), ``scanners`` (the registry's rule ids and options),
``suppressions`` and ``baseline``; it never formats and never writes."""
