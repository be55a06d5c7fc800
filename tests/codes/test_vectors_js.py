"""Conformance of the scanner's JavaScript verifier (pwa/shared/) on every vector, run by Node.

The browser test (tests/e2e/test_js_codes.py) runs the same runner in Chromium; this one needs
only Node, which `make test` has anyway, so the JavaScript side is checked on every run."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.codes.helpers import mismatches
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
VECTOR_DIR = ROOT / "tests" / "vectors"
RUNNER = (Path(__file__).resolve().parent / "vector_runner.js").read_text(encoding="utf-8")
MAIN = """import { readFileSync } from 'node:fs';
const run = %s;
const vectors = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(await run(vectors, process.argv[1])));
"""


def load_vectors() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="ascii")) for p in sorted(VECTOR_DIR.glob("*.json"))}


def run_js(vectors: dict[str, dict[str, Any]]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        need("node", "the JavaScript verifier is checked with Node")
    base = (ROOT / "pwa" / "shared").as_uri() + "/"
    done = subprocess.run(
        [node, "--no-warnings", "--input-type=module", "-e", MAIN % RUNNER, base],
        input=json.dumps(vectors),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_javascript_verifier_matches_every_vector() -> None:
    vectors = load_vectors()
    results = run_js(vectors)
    # Every offline vector and every online one a third party can answer was run.
    assert set(results) == {n for n, v in vectors.items() if v["kind"] == "offline" or not v["online_masters"]}
    assert mismatches(vectors, results) == []
    assert sum(1 for r in results.values() if r["minted"]) >= 15
    online = [n for n, v in vectors.items() if v["kind"] == "online" and v["expected"] != "malformed" and n in results]
    assert online and all(results[n]["kind"] == "online" for n in online)
