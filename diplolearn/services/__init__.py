"""The only code that changes state.

Plain functions with explicit arguments (a user, a course — never ``current_user``). They flush
and never commit: a view or CLI command commits once, so a request's changes land together or
not at all. Domain errors are the exception classes in ``errors``.
"""
