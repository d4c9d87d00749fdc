"""GitHub's REST API: posting or updating the pull-request comment (``pr_comment``).

It imports nothing of the gate besides the core modules: what it posts is rendered by
``gate.report.comment``.
"""
