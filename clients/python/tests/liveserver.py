"""Start a real `redthread serve` for the tests, the notebook runner and the
bench: the binary the repository builds (bin/redthread, or $REDTHREAD_BIN),
on a free loopback port, with a deployment administrator's token, the demo
case loaded, on the embedded store or the test Neo4j.

The test Neo4j is shared with the Go tests: like graph/neo4jstore/neo4jtest,
whoever empties it holds an exclusive flock on
$TMPDIR/redthread-neo4j-<first 8 bytes of sha256(uri), hex>.lock meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import httpx

REPO = Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "python-client-admin-token-" + "0123456789abcdef"
LISTENING = re.compile(r"listening on (http://\S+)")
# The formats of `redthread generate`'s files (its listing names them).
GENERATED_LINE = re.compile(r"^(\S+)\s+(\S+)\s+[\d,]+ bytes")


def binary() -> Path:
    b = Path(os.environ.get("REDTHREAD_BIN") or REPO / "bin" / "redthread")
    if not b.is_file():
        raise RuntimeError(f"{b} is missing: run `make build` first (or set REDTHREAD_BIN)")
    return b


def neo4j_uri() -> Optional[str]:
    """NEO4J_URI from the environment, else the one make neo4j-for-tests wrote."""
    if os.environ.get("NEO4J_URI"):
        return os.environ["NEO4J_URI"]
    env = REPO / ".neo4j-test" / "env"
    if env.is_file():
        for line in env.read_text().splitlines():
            if line.startswith("NEO4J_URI="):
                return line.split("=", 1)[1].strip()
    return None


@contextlib.contextmanager
def neo4j_exclusive(uri: str) -> Iterator[None]:
    """The Go tests' lock on the shared test Neo4j, held exclusively."""
    digest = hashlib.sha256(uri.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"redthread-neo4j-{digest}.lock"
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def empty_neo4j(uri: str) -> None:
    """Delete everything in the test Neo4j (as the store's conformance tests do),
    so that --demo loads the demo case."""
    from neo4j import GraphDatabase  # test dependency

    auth = (os.environ["NEO4J_USER"], os.environ.get("NEO4J_PASSWORD", "")) if os.environ.get("NEO4J_USER") else None
    with GraphDatabase.driver(uri, auth=auth) as d:
        with d.session(database=os.environ.get("NEO4J_DATABASE", "neo4j")) as s:
            for q in ("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
                      "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS"):
                s.run(q).consume()


def generate_and_ingest(data: Path, scale: str = "S", seed: int = 1) -> Path:
    """`redthread generate` a scenario and `redthread ingest` every file of it
    into the embedded store at data; returns the scenario's directory."""
    out = data.parent / f"scenario-{scale}-{seed}"
    listing = subprocess.run([str(binary()), "generate", "--scale", scale, "--seed", str(seed), "--out", str(out)],
                             check=True, capture_output=True, text=True).stdout
    files = [m.groups() for m in map(GENERATED_LINE.match, listing.splitlines()) if m]
    for name, fmt in files:
        if fmt == "-":
            continue
        r = subprocess.run([str(binary()), "ingest", "--data", str(data), "--format", fmt, str(out / name)],
                           capture_output=True, text=True)
        if r.returncode not in (0, 3):  # 3: some records rejected, the rest loaded
            raise RuntimeError(f"ingest {name}: exit {r.returncode}\n{r.stderr[-2000:]}")
    return out


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    dir: Path
    store: str
    admin_token: str = ADMIN_TOKEN
    log: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(workdir: Path, *, store: str = "embedded", demo: bool = True, data: Optional[Path] = None,
          extra: tuple[str, ...] = (), neo4j: Optional[str] = None) -> Server:
    """Start `redthread serve` and return once it listens."""
    data = data or workdir / "data"
    state = workdir / "state"
    state.mkdir(parents=True, exist_ok=True)
    args = [str(binary()), "serve", "--addr", "127.0.0.1:0", "--log-level", "warn", "--state-dir", str(state)]
    if store == "neo4j":
        args += ["--store", "neo4j", "--neo4j-uri", neo4j or neo4j_uri() or "", "--neo4j-connect-timeout", "20s"]
    else:
        args += ["--data", str(data)]
    if demo:
        args.append("--demo")
    args += list(extra)
    env = {**os.environ, "REDTHREAD_ADMIN_TOKEN": ADMIN_TOKEN}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    srv = Server(url="", proc=proc, dir=workdir, store=store)
    found = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            srv.log.append(line.rstrip())
            m = LISTENING.search(line)
            if m and not found.is_set():
                srv.url = m.group(1)
                found.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 120
    while not found.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            srv.stop()
            raise RuntimeError("redthread serve did not start:\n" + "\n".join(srv.log[-40:]))
    for _ in range(100):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(srv.url + "/healthz", timeout=2).status_code == 200:
                return srv
        time.sleep(0.1)
    srv.stop()
    raise RuntimeError("redthread serve does not answer /healthz:\n" + "\n".join(srv.log[-40:]))


@dataclass
class Identity:
    """An agency's analyst with an API token (read, write, ingest)."""

    agency: str
    email: str
    user_id: str
    token: str


def add_analyst(url: str, agency: str, *, new_agency: bool = False) -> Identity:
    """Through the admin GraphQL API (the deployment administrator's token):
    an analyst of agency (created when new_agency) and an API token of theirs."""
    from redthread import Client

    with Client(url, ADMIN_TOKEN) as admin:
        if new_agency:
            admin.add_agency(agency, agency.replace("-", " ").title())
        email = f"analyst-{secrets.token_hex(3)}@{agency}.example"
        user = admin.add_user(email, "ANALYST", agency=agency)["user"]
        tok = admin.create_api_token(["READ", "WRITE", "INGEST"], user_id=user["id"], agency=agency,
                                     expires_in="24h")
        return Identity(agency, email, user["id"], tok["secret"])


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
