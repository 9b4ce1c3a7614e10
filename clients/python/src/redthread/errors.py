"""Typed errors and warnings of the Redthread client.

Every error the server answers carries a code in ``extensions.code``
(the schema's ErrorCode enum, plus the operation-refusal codes); the
client maps each family to a subclass so that a notebook can catch what
it can act on: a bad argument, a missing node, a limit, a busy server.
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence


class RedthreadWarning(UserWarning):
    """A warning the server put in ``extensions.warnings`` (an argument
    clamped to the server's limit, ...). Also kept on the result."""

    def __init__(self, message: str, code: str | None = None, detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.detail = detail or {}


class RedthreadError(Exception):
    """An error answered by the server (or the transport to it).

    ``code``: ``extensions.code`` of the first error (e.g. ``NOT_FOUND``);
    ``status``: the HTTP status (None when no answer came);
    ``message``: the server's message; ``path``: the response path of the
    field that failed; ``request_id``: the server's request ID (quote it
    when reporting a problem); ``errors``: every error object answered.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        path: Sequence[str | int] | None = None,
        request_id: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        extensions: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.path = list(path) if path else None
        self.request_id = request_id
        self.errors = errors or []
        self.extensions = extensions or {}

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.insert(0, f"{self.code}:")
        if self.path:
            parts.append(f"(at {'.'.join(str(p) for p in self.path)})")
        if self.request_id:
            parts.append(f"[request {self.request_id}]")
        return " ".join(parts)


class AuthError(RedthreadError):
    """UNAUTHENTICATED (no or a bad token: HTTP 401) or FORBIDDEN (the token's
    role or scopes do not allow the operation)."""


class NotFoundError(RedthreadError):
    """NOT_FOUND: no such node, case, share link, user..."""


class InvalidArgumentError(RedthreadError):
    """INVALID_ARGUMENT, or a document the server cannot parse or validate
    (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_REQUEST)."""


class LimitError(RedthreadError):
    """LIMIT_EXCEEDED, COMPLEXITY_LIMIT_EXCEEDED, DEPTH_LIMIT_EXCEEDED: the
    request is over one of the server's limits (split it)."""


class RateLimitedError(RedthreadError):
    """TOO_MANY_REQUESTS (HTTP 429) or a busy server (UNAVAILABLE with
    Retry-After, HTTP 503). ``retry_after``: seconds the server asked to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TimeoutError(RedthreadError, builtins.TimeoutError):  # noqa: A001
    """TIMEOUT: the operation ran past the server's deadline, or no answer came
    within the client's timeout (status None). Also a builtins.TimeoutError,
    so that code catching the builtin catches it too."""


class ConflictError(RedthreadError):
    """CONFLICT: someone saved a newer version of the case meanwhile."""


class UnavailableError(RedthreadError):
    """UNAVAILABLE without Retry-After: the server or its store cannot serve now."""


class ServerError(RedthreadError):
    """INTERNAL, or an answer that is not GraphQL."""


_FAMILIES: dict[str, type[RedthreadError]] = {
    "UNAUTHENTICATED": AuthError,
    "FORBIDDEN": AuthError,
    "NOT_FOUND": NotFoundError,
    "INVALID_ARGUMENT": InvalidArgumentError,
    "BAD_REQUEST": InvalidArgumentError,
    "GRAPHQL_PARSE_FAILED": InvalidArgumentError,
    "GRAPHQL_VALIDATION_FAILED": InvalidArgumentError,
    "BAD_USER_INPUT": InvalidArgumentError,
    "PERSISTED_QUERY_NOT_FOUND": InvalidArgumentError,
    "LIMIT_EXCEEDED": LimitError,
    "COMPLEXITY_LIMIT_EXCEEDED": LimitError,
    "DEPTH_LIMIT_EXCEEDED": LimitError,
    "TOO_MANY_REQUESTS": RateLimitedError,
    "TIMEOUT": TimeoutError,
    "CONFLICT": ConflictError,
    "UNAVAILABLE": UnavailableError,
    "INTERNAL": ServerError,
}


def error_class(code: str | None, status: int | None, retry_after: float | None) -> type[RedthreadError]:
    """The subclass for a code; a 429, or a 503 with Retry-After, is rate limiting."""
    if status == 429 or (retry_after is not None and status == 503):
        return RateLimitedError
    if code in _FAMILIES:
        return _FAMILIES[code]
    if status == 401 or status == 403:
        return AuthError
    if status == 404:
        return NotFoundError
    if status == 413:
        return LimitError
    if status is not None and 400 <= status < 500:
        return InvalidArgumentError
    return ServerError
