"""Screening at scale: JSON Lines through `earl ask --json --fields outcomes --jobs 2` at 10k,
100k and 1M lines (wall, CPU, transactions/s, peak RSS), next to the floor of merely parsing
and re-serialising the same lines with the standard json module (one process), measured side
by side in the same run; --jobs 1 and --fields explanation for comparison; and earl.dask.screen
on a 2-worker LocalCluster next to --jobs 2 on the same lines.

The lines: the seeded sample of complete transactions (bench/sample.py: every input given,
numbers on and around every threshold, so many exact decimals), repeated to the size wanted.
Files are written under bench/results/ (git-ignored); 1M lines is about 1 GB."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

from .common import SPEC_DIR, earl_cmd, median, table

RESULTS = Path(__file__).parent / "results"

# runs argv with stdin from a file and stdout thrown away; reports wall, CPU (user + sys) and the
# peak RSS of the largest process of the tree (ru_maxrss of the waited-for descendants)
_MEASURE = r"""
import json, resource, subprocess, sys, time
argv, stdin = json.loads(sys.argv[1]), sys.argv[2]
t = time.perf_counter()
with open(stdin, "rb") as f:
    p = subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "rss_mb": r.ru_maxrss / 1024,
                  "exit": p.returncode, "stderr": p.stderr.decode(errors="replace")[-300:]}))
"""

_FLOOR = ("import json, sys\n"
          "w = sys.stdout.write\n"
          "for line in sys.stdin.buffer:\n"
          "    if line.strip(): w(json.dumps(json.loads(line)) + '\\n')\n")


def measure(argv: list[str], stdin: Path) -> dict:
    p = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(argv), str(stdin)],
                       capture_output=True, text=True, timeout=7200)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"wall": float("nan"), "cpu": float("nan"), "rss_mb": float("nan"), "exit": -1,
                "stderr": p.stderr[-300:]}


def lines_file(lines: list[str], n: int) -> Path:
    path = RESULTS / f"screen-{n}-of-{len(lines)}.jsonl"
    if not path.exists() or sum(1 for _ in path.open("rb")) != n:
        with path.open("w", encoding="utf-8") as f:
            for line in itertools.islice(itertools.cycle(lines), n):
                f.write(line + "\n")
    return path


def dask_vs_jobs(path: Path, n: int, repeats: int, notes: list[str]) -> list[list]:
    try:
        import dask.bag as db
        from dask.distributed import Client, LocalCluster

        import earl.dask
    except ImportError as e:
        notes.append(f"dask unavailable ({e}): pip install 'earl[dask]'")
        return []
    t = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - t
    jobs_argv = earl_cmd("ask", "--json", "--fields", "outcomes", "--jobs", "2", "-")
    t_dask, t_jobs = [], []
    try:
        earl.dask.screen(db.from_sequence(["{}"] * 4, npartitions=2)).compute()  # workers compile
        for _ in range(repeats):
            t_jobs.append(measure(jobs_argv, path)["wall"])
            t = time.perf_counter()
            count = earl.dask.screen(db.read_text(str(path), blocksize="8MiB")).count().compute()
            t_dask.append(time.perf_counter() - t)
            assert count == n, f"dask answered {count} of {n}"
    finally:
        client.close()
        cluster.close()
    notes.append(f"dask: LocalCluster of 2 worker processes (1 thread each), started in {startup:.1f} s "
                 f"(not counted); db.read_text in 8 MiB blocks; median of {repeats} interleaved runs "
                 f"with --jobs 2 (a fresh process each, start-up counted)")
    return [[f"earl.dask.screen, 2-worker LocalCluster ({n:,})", n, median(t_dask), None, n / median(t_dask),
             None, f"{median(t_dask) / median(t_jobs):.2f}x --jobs 2"],
            [f"earl ask --jobs 2 (same lines, {n:,})", n, median(t_jobs), None, n / median(t_jobs), None, "1.00x"]]


def run(quick: bool = False) -> dict:
    from earl.parser import load_spec
    from earl.solver.transaction import to_json

    from .sample import sample

    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    notes: list[str] = []
    spec = load_spec(SPEC_DIR)
    txs, _info = sample(spec, SPEC_DIR, 10_000 if quick else 100_000)
    lines = [json.dumps(to_json(spec, tx), ensure_ascii=False) for tx in txs]
    RESULTS.mkdir(exist_ok=True)
    ask = earl_cmd("ask", "--json", "--fields", "outcomes", "--jobs", "2", "-")
    floor = [sys.executable, "-c", _FLOOR]
    res: dict = {"sizes": {}}
    rows = []
    for n in sizes:
        path = lines_file(lines, n)
        repeats = 1 if n >= 1_000_000 or quick else 3
        runs = {"ask": [], "floor": []}
        for _ in range(repeats):                     # interleaved, side by side
            runs["ask"].append(measure(ask, path))
            runs["floor"].append(measure(floor, path))
        a_wall = median([r["wall"] for r in runs["ask"]])
        f_wall = median([r["wall"] for r in runs["floor"]])
        a = runs["ask"][-1]
        res["sizes"][n] = {"ask_wall_s": a_wall, "ask_cpu_s": median([r["cpu"] for r in runs["ask"]]),
                           "ask_tx_per_s": n / a_wall, "ask_peak_rss_mb": max(r["rss_mb"] for r in runs["ask"]),
                           "floor_wall_s": f_wall, "ratio_to_floor": a_wall / f_wall,
                           "floor_peak_rss_mb": max(r["rss_mb"] for r in runs["floor"]),
                           "runs": repeats, "exit": a["exit"], "stderr": a["stderr"]}
        rows.append([f"earl ask --fields outcomes --jobs 2", n, a_wall, res["sizes"][n]["ask_cpu_s"],
                     n / a_wall, res["sizes"][n]["ask_peak_rss_mb"], f"{a_wall / f_wall:.2f}x floor"])
        rows.append([f"floor: json.loads + json.dumps", n, f_wall, median([r["cpu"] for r in runs["floor"]]),
                     n / f_wall, res["sizes"][n]["floor_peak_rss_mb"], "1.00x"])
        if a["exit"] != 0:
            notes.append(f"earl ask on {n:,} lines exited {a['exit']}: {a['stderr']}")
    # the same 100k (10k --quick) lines with one process, and with the explanation
    mid = lines_file(lines, sizes[1])
    one = measure(earl_cmd("ask", "--json", "--fields", "outcomes", "--jobs", "1", "-"), mid)
    rows.append(["earl ask --fields outcomes --jobs 1", sizes[1], one["wall"], one["cpu"],
                 sizes[1] / one["wall"], one["rss_mb"], ""])
    small = lines_file(lines, sizes[0])
    full = measure(earl_cmd("ask", "--json", "--jobs", "2", "-"), small)
    rows.append(["earl ask --fields explanation --jobs 2", sizes[0], full["wall"], full["cpu"],
                 sizes[0] / full["wall"], full["rss_mb"], ""])
    res["jobs1_wall_s"] = one["wall"]
    res["explanation_wall_s_small"] = full["wall"]
    rows += dask_vs_jobs(mid, sizes[1], 1 if quick else 3, notes)
    notes.append("wall: median of interleaved runs (3; one at 1M) in fresh processes, start-up "
                 "included; CPU: user+sys of the process tree; RSS: peak of the largest process "
                 "(the parent or one worker)")
    res["notes"] = notes
    res["table"] = table("screening (JSON Lines, reading regulation)",
                         ["command", "lines", "wall s", "CPU s", "tx/s", "peak RSS MB", "vs"], rows)
    return res
