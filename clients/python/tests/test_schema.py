"""Every document the client sends validates against the server's schema:
the repository's schema.graphqls, and the live server's introspection."""

from __future__ import annotations

import httpx
import pytest
from graphql import build_client_schema, build_schema, get_introspection_query, parse, validate

import liveserver
from redthread import documents as D

SCHEMA_FILE = liveserver.REPO / "schema.graphqls"


@pytest.fixture(scope="module")
def file_schema():
    return build_schema(SCHEMA_FILE.read_text())


def _check(schema, label: str) -> None:
    bad = {}
    for name, doc in D.ALL.items():
        errs = validate(schema, parse(doc))
        if errs:
            bad[name] = [e.message for e in errs]
    assert not bad, f"documents invalid against the {label} schema: {bad}"


def test_documents_validate_against_schema_file(file_schema):
    assert len(D.ALL) >= 40
    _check(file_schema, "schema.graphqls")


def test_documents_validate_against_live_introspection(server, analyst):
    r = httpx.post(server.url + "/graphql", json={"query": get_introspection_query()},
                   headers={"Authorization": f"Bearer {analyst.token}"}, timeout=30)
    r.raise_for_status()
    _check(build_client_schema(r.json()["data"]), f"live {server.store}")


def test_a_broken_document_is_caught(file_schema):
    # The check above can fail: a field the schema lacks is an error.
    assert validate(file_schema, parse("query { stats { nodes nope } }"))
