"""Scale-out over a job matrix: which files each shard scans (``plan``) and the shard
reports, read, checked and combined into one full scan (``report``).

It may import ``scan`` and everything below it, and ``report.escape`` for the words it
shows; never ``app`` or ``cli``.
"""
