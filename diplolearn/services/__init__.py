"""The only code that changes state, grouped by domain (a subpackage each).

Plain functions with explicit arguments (a user, a course — never ``current_user``). They flush
and never commit: a request's unit of work (``diplolearn/unit_of_work.py``) commits once, so a
request's changes land together or not at all; a CLI command commits once, and jobs commit per
job. Domain errors are exception classes: each domain declares its own at its top, in its
``__init__.py``; ``errors`` holds ``DomainError`` and the errors several domains share.
"""
