#!/usr/bin/env python3
"""Execute investigation.ipynb headless (nbclient) against a server it starts.

It starts `redthread serve --demo` (bin/redthread) on a free port, makes an
analyst's API token in agency `local` (the notebook's user) and, in a second
agency, an analyst who saves a case and shares it with `local`; then runs
every cell with REDTHREAD_URL, REDTHREAD_TOKEN and REDTHREAD_SHARE_LINK set,
and exits 1 when any cell fails. `make test-python` runs it.

    .venv-client/bin/python examples/notebooks/run.py [--out executed.ipynb] [--url URL --token T --share-link L]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "clients" / "python" / "tests"))

import liveserver  # noqa: E402
import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402

from redthread import Client  # noqa: E402


def share_from_partner(url: str) -> str:
    """A second agency's analyst shares a case with agency local; the link."""
    partner = liveserver.add_analyst(url, "partner-fiu", new_agency=True)
    with Client(url, partner.token) as them:
        view = {"v": 1, "nodes": [{"id": "incident:coincheck-theft", "x": 0, "y": 0},
                                  {"id": "service:unnamed-russian-exchange", "x": 200, "y": 0},
                                  {"id": "threat_group:lazarus-group", "x": 100, "y": -80}],
                "edges": [], "groups": [], "filters": {}}
        case = them.save_case("Coincheck proceeds at the Russian exchange (partner FIU)", view)
        return them.share_case(case["id"], "local", allow_comments=True)["url"]


def run(nb_path: Path, env: dict[str, str], out: Path | None, timeout: int) -> int:
    nb = nbformat.read(nb_path, as_version=4)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits the environment
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(nb_path.parent)}}).execute()
        status = 0
    except CellExecutionError as exc:
        print(f"run.py: a cell of {nb_path.name} failed:\n{exc}", file=sys.stderr)
        status = 1
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if out:
        nbformat.write(nb, out)
        print(f"run.py: executed notebook written to {out}")
    return status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notebook", type=Path, default=HERE / "investigation.ipynb")
    ap.add_argument("--out", type=Path, help="write the executed notebook here")
    ap.add_argument("--url", help="an existing server (with --token and --share-link) instead of starting one")
    ap.add_argument("--token")
    ap.add_argument("--share-link")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rt-notebook-") as tmp:
        srv = None
        try:
            if a.url:
                url, token, link = a.url, a.token, a.share_link
            else:
                srv = liveserver.start(Path(tmp))
                url = srv.url
                token = liveserver.add_analyst(url, "local").token
                link = share_from_partner(url)
            env = {"REDTHREAD_URL": url, "REDTHREAD_TOKEN": token, "REDTHREAD_SHARE_LINK": link,
                   "REDTHREAD_PLOT": str(Path(tmp) / "money-flow.png"), "MPLBACKEND": "Agg"}
            status = run(a.notebook, env, a.out, a.timeout)
            if status == 0:
                print(f"run.py: {a.notebook.name}: every cell ran")
            return status
        finally:
            if srv:
                srv.stop()


if __name__ == "__main__":
    sys.exit(main())
