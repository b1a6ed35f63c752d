"""Security in one package: response headers, role gates and object checks, tenant scoping,
and the one HTML sanitiser."""
