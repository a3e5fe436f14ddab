"""Shared helpers: timing, subprocess timing, engines that may be missing, the report table."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = str(ROOT / "spec")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def run_cmd(argv: list[str], *, cwd=None, timeout=3600, stdin=None, cpu: list | None = None
            ) -> tuple[float, int, str, str]:
    """(wall seconds, exit code, stdout, stderr) of a subprocess; its CPU seconds (user + sys,
    children included) are appended to `cpu` when given (steadier than wall time under load)."""
    import resource
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    try:
        p = subprocess.run(argv, cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout,
                           env=env, stdin=stdin)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t, -1, "", f"timeout after {timeout}s"
    except OSError as e:
        return time.perf_counter() - t, -1, "", str(e)
    dt = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return dt, p.returncode, p.stdout, p.stderr


def earl_cmd(*args: str) -> list[str]:
    """`earl ARGS` through the installed console script if present, else `python -m`."""
    from shutil import which
    exe = which("earl")
    return [exe, *args] if exe else [sys.executable, "-c", "from earl.cli import main; main()", *args]


def verify_cmd(*args: str) -> list[str]:
    from shutil import which
    exe = which("verify")
    return [exe, *args] if exe else [sys.executable, "-c", "from earl.cli import verify_main; verify_main()", *args]


def load_engines(names=("eval", "smt", "asp")) -> tuple[dict, dict]:
    """({name: engine}, {name: why it is unavailable})."""
    from earl.solver.engines import load_engine
    engines, missing = {}, {}
    for name in names:
        try:
            engines[name] = load_engine(name)
        except Exception as e:  # noqa: BLE001 - a missing engine is reported, not fatal
            missing[name] = f"{type(e).__name__}: {e}"
    return engines, missing


def fmt(x, digits=3) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != x:
            return "n/a"
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.{digits}g}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def table(title: str, header: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in header]] + [[fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [f"\n## {title}", "| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in cells[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)
