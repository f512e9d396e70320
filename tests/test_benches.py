"""Every benchmark still runs: each at a tiny size, as a developer runs it, to its printed
comparison. Figures are not judged here (bench/README.md holds them); a bench that no longer
runs — an API it drives changed under it — is caught here, not by the next person to measure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (bench and its tiny arguments, a line its output must carry: the comparison it exists for)
RUNS = [
    (["bench/ingest.py", "--rounds", "1"], "baseline: a changed feed"),
    (["bench/match.py", "--sizes", "200"], "same results: True"),
    (["bench/relevance.py"], "summary: lead-3"),
    (["bench/fanout.py", "--subscribers", "40", "--quiet"], "dispatcher / bare loop"),
    (["bench/detect.py", "--weeks", "1"], "fixed 300"),
    (["bench/flood.py", "--items", "200", "--subscribers", "20"], "rewrite of every item"),
    (["bench/reading.py", "--items", "20", "--stories", "20", "--rounds", "1", "--cli-runs", "1"],
     "one at a time / batch"),
]


@pytest.mark.parametrize(("argv", "expected"), RUNS, ids=[r[0][0] for r in RUNS])
def test_the_bench_runs_to_its_comparison(argv: list[str], expected: str) -> None:
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert expected in done.stdout, done.stdout[-2000:]


def test_every_bench_is_run_here() -> None:
    runnable = {p.relative_to(ROOT).as_posix() for p in (ROOT / "bench").glob("*.py")
                if "__main__" in p.read_text(encoding="utf-8")}
    assert runnable == {argv[0] for argv, _ in RUNS}
