"""Guards against hostile input: credentials scrubbed from any text (``scrub``), secret
findings redacted (``redact``), JSON, TOML and YAML parsed within bounds (``bounded``) and
the checks policy values share (``validators``).

It may import only the core modules (``errors``, ``lines``, ``findings``, ``runs``): every
other room may use it.
"""
