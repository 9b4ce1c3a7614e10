"""Loading through the API with uploads, and what it makes: same-actor
candidates across sources, paged."""

from __future__ import annotations

import json

import pytest

from redthread import Client, InvalidArgumentError

# Three entities of another source whose names fold to the demo's.
ENTITIES = [
    {"type": "node", "kind": "ORGANIZATION", "key": "pyclient-lazarus", "label": "LAZARUS GROUP"},
    {"type": "node", "kind": "SERVICE", "key": "pyclient-coincheck", "label": "Coincheck, Inc."},
    {"type": "node", "kind": "ORGANIZATION", "key": "pyclient-rgb", "label": "Reconnaissance General Bureau"},
]


@pytest.fixture()
def loaded(rt: Client, tmp_path):
    f = tmp_path / "pyclient-entities.jsonl"
    src = {"dataset": "python-client-test", "confidence": 60}
    f.write_text("".join(json.dumps({**e, "sources": [src]}) + "\n" for e in ENTITIES))
    job = rt.start_ingest("native", [f])
    assert job["inputs"][0]["name"] == f.name and job["inputs"][0]["uploaded"]
    done = rt.wait_ingest(job["id"], timeout=120)
    assert done["state"] == "SUCCEEDED", done
    return done


def test_upload_and_same_as_candidates_pages(rt: Client, loaded):
    assert loaded["rejected"] == 0
    assert loaded["progress"]["nodesCreated"] + loaded["progress"]["nodesUnchanged"] == len(ENTITIES)
    assert rt.node("organization:pyclient-lazarus")["label"] == "LAZARUS GROUP"
    every = list(rt.iter_same_as_candidates(page_size=1))
    page = rt.same_as_candidates(first=100).value
    assert not page["hasNextPage"]
    pair = lambda c: (c["a"]["id"], c["b"]["id"])  # noqa: E731
    assert [pair(c) for c in every] == [pair(c) for c in page["candidates"]]
    mine = {"organization:pyclient-lazarus", "service:pyclient-coincheck", "organization:pyclient-rgb"}
    assert len([c for c in every if mine & set(pair(c))]) >= 3


def test_unknown_format_is_refused(rt: Client, tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text("{}\n")
    with pytest.raises(InvalidArgumentError) as e:
        rt.start_ingest("no-such-format", [f])
    assert e.value.code == "INVALID_ARGUMENT" and e.value.path == ["startIngest"]
