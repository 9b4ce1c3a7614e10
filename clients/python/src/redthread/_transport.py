"""GraphQL over HTTP for the client: one POST per operation, errors mapped
to typed exceptions, warnings surfaced, 429/503 retried after Retry-After."""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import errors as E

ACCEPT = "application/graphql-response+json, application/json;q=0.9"


@dataclass
class Response:
    """One operation's answer: ``data``, the non-fatal ``errors`` (per-item
    errors of a bulk lookup), and the top-level ``extensions``."""

    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    status: int = 200
    elapsed_ms: float = 0.0

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return list(self.extensions.get("warnings") or [])

    @property
    def cost(self) -> dict[str, Any] | None:
        return self.extensions.get("cost")


def _retry_after(resp: httpx.Response) -> float | None:
    v = resp.headers.get("Retry-After")
    if v is None:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        return None


def _item_error(err: dict[str, Any]) -> bool:
    """An error about one item of a list (its path ends with an index):
    the other items are answered, so it does not fail the call."""
    path = err.get("path") or []
    return len(path) >= 2 and isinstance(path[-1], int)


def _raise(status: int | None, body: Any, request_id: str | None, retry_after: float | None,
           fallback: str) -> None:
    errs = body.get("errors") if isinstance(body, dict) else None
    first = errs[0] if errs else {}
    ext = first.get("extensions") or {}
    code = ext.get("code")
    message = first.get("message") or fallback
    request_id = ext.get("requestId") or request_id
    cls = E.error_class(code, status, retry_after)
    kw: dict[str, Any] = dict(code=code, status=status, path=first.get("path"), request_id=request_id,
                              errors=list(errs or []), extensions=ext)
    if cls is E.RateLimitedError:
        raise E.RateLimitedError(message, retry_after=retry_after, **kw)
    raise cls(message, **kw)


class Transport:
    def __init__(self, url: str, token: str | None, *, timeout: float, max_retries: int,
                 max_retry_wait: float, headers: dict[str, str] | None, http: httpx.Client | None):
        self.url = url.rstrip("/")
        if not self.url.endswith("/graphql"):
            self.url += "/graphql"
        h = {"Accept": ACCEPT, "User-Agent": "redthread-python/0.1"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        self.http = http or httpx.Client(timeout=timeout)
        self._own = http is None
        self.headers = h
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait

    def close(self) -> None:
        if self._own:
            self.http.close()

    def execute(self, document: str, variables: dict[str, Any] | None = None,
                operation_name: str | None = None, *, stacklevel: int = 3,
                uploads: list[tuple[str, bytes]] | None = None) -> Response:
        """POST one operation. ``uploads`` (file name, content) go as a GraphQL
        multipart request, bound to the list variable ``uploads``."""
        payload: dict[str, Any] = {"query": document}
        if variables:
            payload["variables"] = {k: v for k, v in variables.items() if v is not None}
        if operation_name:
            payload["operationName"] = operation_name
        attempt = 0
        while True:
            try:
                t0 = time.perf_counter()
                resp = self._post(payload, uploads)
                elapsed = (time.perf_counter() - t0) * 1000
            except httpx.TimeoutException as exc:
                raise E.TimeoutError(f"no answer from {self.url} within the client's timeout",
                                     code="TIMEOUT", status=None) from exc
            except httpx.TransportError as exc:
                raise E.UnavailableError(f"cannot reach {self.url}: {exc}", code="UNAVAILABLE",
                                         status=None) from exc
            retry_after = _retry_after(resp)
            if resp.status_code in (429, 503) and retry_after is not None and attempt < self.max_retries \
                    and retry_after <= self.max_retry_wait:
                attempt += 1
                time.sleep(retry_after)
                continue
            return self._answer(resp, retry_after, elapsed, stacklevel)

    def _post(self, payload: dict[str, Any], uploads: list[tuple[str, bytes]] | None) -> httpx.Response:
        if not uploads:
            return self.http.post(self.url, json=payload, headers=self.headers)
        payload = {**payload, "variables": {**payload.get("variables", {}), "uploads": [None] * len(uploads)}}
        form = {"operations": json.dumps(payload),
                "map": json.dumps({str(i): [f"variables.uploads.{i}"] for i in range(len(uploads))})}
        files = [(str(i), (name, content)) for i, (name, content) in enumerate(uploads)]
        # The header keeps other web pages from posting files through a browser: the server requires it.
        return self.http.post(self.url, data=form, files=files,
                              headers={**self.headers, "GraphQL-Require-Preflight": "1"})

    def _answer(self, resp: httpx.Response, retry_after: float | None, elapsed: float,
                stacklevel: int) -> Response:
        rid = resp.headers.get("X-Request-Id")
        try:
            body = resp.json()
        except (json.JSONDecodeError, ValueError):
            _raise(resp.status_code, None, rid, retry_after,
                   f"HTTP {resp.status_code}: the answer is not JSON ({resp.headers.get('Content-Type')})")
        if not isinstance(body, dict):
            _raise(resp.status_code, None, rid, retry_after, f"HTTP {resp.status_code}: not a GraphQL answer")
        ext = body.get("extensions") or {}
        rid = ext.get("requestId") or rid
        errs = body.get("errors") or []
        data = body.get("data")
        if resp.status_code >= 400 or data is None or any(not _item_error(e) for e in errs):
            _raise(resp.status_code, body, rid, retry_after, f"HTTP {resp.status_code}")
        out = Response(data=data, errors=errs, extensions=ext, request_id=rid, status=resp.status_code,
                       elapsed_ms=elapsed)
        for w in out.warnings:
            warnings.warn(E.RedthreadWarning(w.get("message") or str(w), w.get("code"), w),
                          stacklevel=stacklevel + 1)
        for e in errs:
            warnings.warn(E.RedthreadWarning(f"{(e.get('extensions') or {}).get('code')}: {e.get('message')} "
                                             f"(at {'.'.join(str(p) for p in e.get('path') or [])})",
                                             (e.get("extensions") or {}).get("code"), e),
                          stacklevel=stacklevel + 1)
        return out
