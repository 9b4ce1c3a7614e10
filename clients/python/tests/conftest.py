"""Session fixtures: a live `redthread serve --demo` on each store (the
embedded store, and the test Neo4j under the Go tests' exclusive lock),
an analyst's API token on it, and a server with the generated S scenario."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import liveserver  # noqa: E402

from redthread import Client  # noqa: E402


@pytest.fixture(scope="session", params=["embedded", "neo4j"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[liveserver.Server]:
    store = request.param
    work = tmp_path_factory.mktemp(f"server-{store}")
    with contextlib.ExitStack() as stack:
        uri = None
        if store == "neo4j":
            uri = liveserver.neo4j_uri()
            if not uri:
                pytest.fail("no test Neo4j: set NEO4J_URI or run `make neo4j-for-tests` (the Go tests need it too)")
            stack.enter_context(liveserver.neo4j_exclusive(uri))
            liveserver.empty_neo4j(uri)
        srv = liveserver.start(work, store=store, neo4j=uri)
        stack.callback(srv.stop)
        yield srv


@pytest.fixture(scope="session")
def analyst(server: liveserver.Server) -> liveserver.Identity:
    return liveserver.add_analyst(server.url, "local")


@pytest.fixture()
def rt(server: liveserver.Server, analyst: liveserver.Identity) -> Iterator[Client]:
    with Client(server.url, analyst.token) as c:
        yield c


@pytest.fixture(scope="session")
def scenario_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[liveserver.Server]:
    """The generated S scenario (seed 1) on the embedded store."""
    work = tmp_path_factory.mktemp("scenario")
    liveserver.generate_and_ingest(work / "data")
    srv = liveserver.start(work, demo=False)
    yield srv
    srv.stop()
