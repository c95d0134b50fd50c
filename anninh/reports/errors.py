"""Exceptions of the reports package. Every one of them is a clear, user-facing message."""
from __future__ import annotations


class ReportError(Exception):
    """Base class: something the caller asked for cannot be done; nothing was changed."""


class ValidationError(ReportError, ValueError):
    """Bad input (unknown kind or status, empty text, malformed phone, ...)."""


class NotFoundError(ReportError, LookupError):
    """No report with that code (officer side only: citizens get ``None`` from ``lookup``)."""


class InvalidTransitionError(ReportError):
    """The status change is not allowed from the report's current status."""


class ConflictError(ReportError):
    """Someone else changed the report at the same moment; re-read and try again."""


class SchemaVersionError(ReportError, RuntimeError):
    """The database is not at the schema version this code needs."""


def one_of(value, allowed, what: str):
    """``value`` when it is in ``allowed``, else ValidationError naming ``what`` and the choices."""
    if value not in allowed:
        raise ValidationError(f"unknown {what} {value!r}; use one of: {', '.join(allowed)}")
    return value
