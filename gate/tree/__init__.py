"""What is scanned: the files of the tree as git sees them (``discovery``), the one place git
runs (``git``), the one way a scanned file is read (``repo_files``), file names that are not
UTF-8 (``path_names``), gitignore-style patterns (``globs``) and partial scans (``scope``).

It may import the core modules (``errors``, ``lines``, ``findings``, ``runs``), ``guards``
and ``process``; nothing about scanners, policy or reports.
"""
