"""Typed errors raised by the domain; the web layer maps each to one HTTP status in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A problem the user can act on; `message` is shown to them as it is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(DomainError):
    status_code = 400


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooManyAttempts(DomainError):
    status_code = 429


class Unavailable(DomainError):
    """The server is at a capacity limit for now; trying later may work."""

    status_code = 503


class ConfigError(Exception):
    """The server cannot start as configured; the message says what to change."""
