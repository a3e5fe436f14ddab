"""Fuzzing what earl reads: mutated transactions, `--param` values and spec texts through the CLI.

Transactions: seeded samples of the shipped spec (`sample.Sampler`) written as JSON, then either
respelt (numbers as strings, codes in lower case, some facts null) or mutated (a value replaced by a huge, tiny or malformed number, deep nesting, Unicode that case-maps or
separates lines, a wrong type, or a value the field may well accept, null among them; then, for
some, the text cut, a character changed, a control character inserted) and
sent as JSON Lines batches to `earl ask --json -` in-process (click's runner). Spec texts: one file
of the shipped spec mutated (a span deleted or duplicated, a number made huge, parentheses nested
deep, line endings changed, stray bytes) and given to `earl check` (and, when it checks, to
`earl ask`). A sample of each also runs as a subprocess, with a 50 MB number among them.

Counted, and all must be 0: Python tracebacks, internal errors (exit 70, or a transaction the
engine failed on), runs over 10 s of CPU time (the machine is shared: wall time is reported too, but
load alone stretches it). Refusals (exit 2) are the expected answer to most mutants.
"""
from __future__ import annotations

import json
import random
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from .common import SPEC_DIR, earl_cmd, median, run_cmd, table

SLOW = 10.0          # seconds: a run longer than this counts as a failure
BATCH = 10           # transactions per in-process `earl ask` run (so a run's time is a few answers')
SEED = 20261201

# JSON text put in place of a value (each a hazard earl once had or a reader could have)
HOSTILE_JSON = [
    "1" * 4_301, "9" * 200_000, "1e999999999", "-1e-400", "1e401", "1." + "0" * 5_000 + "1",
    "0." + "0" * 399 + "1", "NaN", "-Infinity", "-0", "1E+26", "123456789012345678901234567890",
    '"' + "7" * 5_000 + '"', '"1e99999"', '"1/0"', '"1/3"', '"25%"', '"1__0"', '"٣"', '"１２"',
    '"ß"', '"ﬁ"', '"ＦＲ"', '"fr"', '"France"', '"İT"', '"x\u2028y"', '"\u0085"', '"\\u2028"',
    '"\\ud800"', '"\u202eRF"', '"\\u0000"', '"2025-02-30"', '"２０２５-01-01"', '"9999-12-31"',
    '"0001-01-01"', '"4E091"', '""', "true", "null", "[]", "{}", "[" * 40 + "]" * 40,
    "[" * 5_000 + "]" * 5_000, '{"a":' * 40 + "1" + "}" * 40, '["AIA", "AIA", 1]',
]
# JSON text that a field may well accept (so that a share of the mutants is answered, through
# the unknown-facts analysis for null)
PLAUSIBLE_JSON = ["null", "0", "-0", "1E+26", "123456789012345678901234567890", '"1e26"', '"25%"',
                  '"1/3"', '"1_000"', '"fr"', '"France"', '"CN"', '"2025-01-14"', "true", "false",
                  '"export"', '["AIA"]', "[]"]
# raw text inserted somewhere in a transaction or spec
HOSTILE_TEXT = ["\x00", "\x1b", "\r", "\u2028", "\u0085", "\ufeff", "\x0b", "\t", '"', "\\",
                "{", "]", ",", "\udcff", "\U0001f600", "ß", "ﬁ", "\u202e"]
HOSTILE_SPEC = ["1" * 4_301, "1e99999", "(" * 3_000 + "1" + ")" * 3_000, "\r", "\r\n", "\x00",
                "\ufeff", "ß", "ﬁ", "\u2028", "\u0085", "#", '"', "not " * 2_000, "-" * 50,
                "9" * 200_000, "\n" * 3, "2025-02-30", "%", "_"]


class Tally:
    def __init__(self, name: str):
        self.name, self.cases, self.runs = name, 0, 0
        self.tracebacks, self.internal, self.slow, self.answered = 0, 0, 0, 0
        self.seconds: list[float] = []   # CPU
        self.wall: list[float] = []
        self.exits: Counter = Counter()
        self.examples: list[str] = []

    def record(self, seconds: tuple[float, float], exit_code: int, output: str, traceback: bool,
               cases: int = 1, internal_lines: int = 0, answered: int = 0) -> None:
        """`seconds`: (wall, CPU) of the run."""
        wall, seconds = seconds
        self.wall.append(wall)
        self.cases += cases
        self.answered += answered
        self.runs += 1
        self.seconds.append(seconds)
        self.exits[exit_code] += 1
        internal = internal_lines or (1 if exit_code == 70 else 0)
        traceback = traceback or "Traceback (most recent call last)" in output
        self.tracebacks += traceback
        self.internal += internal
        self.slow += seconds > SLOW
        if (traceback or internal or seconds > SLOW) and len(self.examples) < 5:
            self.examples.append(f"{self.name}: exit {exit_code}, {seconds:.1f} s CPU: {output[-300:]!r}")

    def row(self) -> list:
        return [self.name, self.cases, self.answered, self.runs, self.tracebacks, self.internal, self.slow,
                median(self.seconds), max(self.seconds, default=0.0), max(self.wall, default=0.0),
                ", ".join(f"{k}: {v}" for k, v in sorted(self.exits.items()))]


class _Clock:
    """Wall and CPU time of an in-process run."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _internal_lines(stderr: str) -> int:
    return sum(1 for line in stderr.splitlines()
               if "internal error" in line or " failed: " in line)


# --------------------------------------------------------------------------- transactions

def _leaves(obj: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for k, v in obj.items():
        out.extend(_leaves(v, prefix + (k,)) if isinstance(v, dict) else [prefix + (k,)])
    return out


def respell(rng: random.Random, value):
    """The same value written another way earl reads: a number as a string or with an exponent,
    a country code in lower case; now and then null (an unknown fact)."""
    if isinstance(value, dict):
        return {k: respell(rng, v) for k, v in value.items()}
    if rng.random() < 0.05:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return rng.choice([value, str(value), f"{value}e0", f" {value} "])
    if isinstance(value, str) and len(value) == 2 and value.isupper():
        return rng.choice([value, value.lower()])
    return value


def mutate_transaction(rng: random.Random, base: dict) -> str:
    if rng.random() < 0.3:
        return json.dumps(respell(rng, base), ensure_ascii=rng.random() < 0.5)
    obj = json.loads(json.dumps(base))
    path = rng.choice(_leaves(obj) + [("item", "no_such_field"), ("end_user",), ("destination",)])
    node = obj
    for k in path[:-1]:
        node = node.setdefault(k, {})
    marker = "__FUZZ__"
    node[path[-1]] = marker
    text = json.dumps(obj, ensure_ascii=rng.random() < 0.5)
    replacement = rng.choice(PLAUSIBLE_JSON if rng.random() < 0.4 else HOSTILE_JSON)
    text = text.replace(json.dumps(marker), replacement, 1)
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        i = rng.randrange(len(text) + 1)
        kind = rng.random()
        if kind < 0.4:
            text = text[:i] + rng.choice(HOSTILE_TEXT) + text[i:]
        elif kind < 0.6:
            text = text[:i]
        elif kind < 0.8 and text:
            j = min(len(text) - 1, i)
            text = text[:j] + chr(rng.randrange(0x20, 0x3000)) + text[j + 1:]
        else:
            text = text[:i] + text[i:i + 20] + text[i:]
    return text


def _ask_batches(tally: Tally, lines: list[str], spec_args: list[str]) -> None:
    from click.testing import CliRunner
    from earl.cli import main
    runner = CliRunner()
    for start in range(0, len(lines), BATCH):
        chunk = lines[start:start + BATCH]
        data = "\n".join(chunk).encode("utf-8", "surrogatepass")
        clock = _Clock()
        r = runner.invoke(main, ["ask", "--json", *spec_args, "-"], input=data)
        dt = clock.read()
        crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
        tally.record(dt, r.exit_code, r.output + _text(r.stderr_bytes), crashed, cases=len(chunk),
                     internal_lines=_internal_lines(_text(r.stderr_bytes)),
                     answered=_text(r.stdout_bytes).count("\n"))


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")


def _params(tally: Tally, rng: random.Random, spec, n: int) -> None:
    from click.testing import CliRunner
    from earl.cli import main
    names = list(spec.params) + ["no_such_param", ""]
    values = [v.strip('"') for v in HOSTILE_JSON if len(v) < 300_000] + ["", "=", "true", "TRUE", "none"]
    runner = CliRunner()
    for _ in range(n):
        item = f"{rng.choice(names)}={rng.choice(values)}" if rng.random() < 0.95 else rng.choice(values)
        clock = _Clock()
        r = runner.invoke(main, ["ask", "--param", item, "--json", "-"], input=b"{}")
        dt = clock.read()
        crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
        tally.record(dt, r.exit_code, r.output + _text(r.stderr_bytes), crashed,
                     answered=int(r.exit_code == 0))


# --------------------------------------------------------------------------- spec texts

def mutate_spec(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randint(0, 200))
        kind = rng.random()
        if kind < 0.25:
            text = text[:i] + text[j:]
        elif kind < 0.4:
            text = text[:i] + text[i:j] + text[i:]
        elif kind < 0.75:
            text = text[:i] + rng.choice(HOSTILE_SPEC + HOSTILE_TEXT) + text[i:]
        elif kind < 0.85:
            text = text.replace("\n", rng.choice(["\r", "\r\n", "\n\r"]))
        elif kind < 0.95:
            import re
            numbers = [m.span() for m in re.finditer(r"\d[\d_.]*(e\d+)?", text)]
            if numbers:
                a, b = rng.choice(numbers)
                text = text[:a] + rng.choice(["1" * 4_301, "1e401", "0", "1_", "9" * 401]) + text[b:]
        else:
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


def _spec_mutants(tally: Tally, asked: Tally, rng: random.Random, n: int, work: Path,
                  tx_text: str) -> None:
    from click.testing import CliRunner
    from earl.cli import main
    files = sorted(work.glob("*.earl"))
    originals = {f: f.read_bytes() for f in files}
    runner = CliRunner()
    for _ in range(n):
        target = rng.choice(files)
        mutant = mutate_spec(rng, originals[target].decode("utf-8"))
        target.write_bytes(mutant.encode("utf-8", "surrogateescape"))
        try:
            clock = _Clock()
            r = runner.invoke(main, ["check", str(work)])
            dt = clock.read()
            crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
            tally.record(dt, r.exit_code, r.output + _text(r.stderr_bytes), crashed,
                         answered=int(r.exit_code == 0))
            if r.exit_code == 0 and rng.random() < 0.2:
                clock = _Clock()
                r = runner.invoke(main, ["ask", "--spec", str(work), "--json", "-"], input=tx_text.encode())
                dt = clock.read()
                crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
                asked.record(dt, r.exit_code, r.output + _text(r.stderr_bytes), crashed,
                             internal_lines=_internal_lines(_text(r.stderr_bytes)),
                             answered=int(r.exit_code == 0))
        finally:
            target.write_bytes(originals[target])


# --------------------------------------------------------------------------- subprocesses

def _subprocesses(tally: Tally, rng: random.Random, lines: list[str], work: Path, n_specs: int) -> None:
    def one(args, stdin_text: str | None = None, stdin_path: Path | None = None):
        path = stdin_path
        if stdin_text is not None:
            path = work.parent / "stdin.json"
            path.write_bytes(stdin_text.encode("utf-8", "surrogatepass"))
        cpu: list[float] = []
        with open(path, "rb") if path else open("/dev/null", "rb") as f:
            wall, code, out, err = run_cmd(earl_cmd(*args), stdin=f, timeout=60, cpu=cpu)
        # a run killed at the timeout (code -1) may have waited rather than computed: it counts as slow
        tally.record((wall, wall if code == -1 or not cpu else cpu[0]), code, out + err, False, internal_lines=_internal_lines(err),
                     answered=int(code == 0))

    huge = work.parent / "huge.json"
    with huge.open("w") as f:
        f.write('{"item": {"tpp": ')
        for _ in range(50):
            f.write("9" * 1_000_000)
        f.write("}}\n")
    one(["ask", "-"], stdin_path=huge)                       # a 50 MB number
    one(["ask", "-"], "[" * 1_000_000 + "]" * 1_000_000)     # a 2 MB nesting
    for text in lines:
        one(["ask", "--json", "-"], text)
    files = sorted(work.glob("*.earl"))
    for _ in range(n_specs):
        target = rng.choice(files)
        original = target.read_bytes()
        target.write_bytes(mutate_spec(rng, original.decode()).encode("utf-8", "surrogateescape"))
        try:
            one(["check", str(work)])
        finally:
            target.write_bytes(original)


# --------------------------------------------------------------------------- run

def run(quick: bool = False) -> dict:
    from earl.parser import load_spec
    from earl.solver.transaction import to_json

    from .sample import Sampler

    n_tx, n_params, n_specs = (2_000, 100, 200) if quick else (10_000, 500, 2_000)
    n_sub_tx, n_sub_specs = (10, 5) if quick else (40, 20)
    rng = random.Random(SEED)
    spec = load_spec(SPEC_DIR)
    bases = [to_json(spec, tx) for tx in Sampler(spec, SEED).many(200)]
    lines = [mutate_transaction(rng, rng.choice(bases)) for _ in range(n_tx)]

    tallies = {name: Tally(name) for name in
               ("transactions", "--param values", "spec mutants (check)", "spec mutants (ask)",
                "subprocesses")}
    _ask_batches(tallies["transactions"], lines, [])
    _params(tallies["--param values"], rng, spec, n_params)
    with tempfile.TemporaryDirectory(prefix="earl-fuzz-") as tmp:
        work = Path(tmp) / "spec"
        shutil.copytree(SPEC_DIR, work)
        _spec_mutants(tallies["spec mutants (check)"], tallies["spec mutants (ask)"], rng, n_specs,
                      work, json.dumps(bases[0]))
        _subprocesses(tallies["subprocesses"], rng, rng.sample(lines, n_sub_tx), work, n_sub_specs)

    header = ["corpus", "cases", "answered / accepted", "runs", "tracebacks", "internal errors",
              f"runs > {SLOW:g} s CPU", "median run CPU s", "max run CPU s", "max run wall s",
              "exit codes (runs)"]
    rows = [t.row() for t in tallies.values()]
    totals = {key: sum(getattr(t, key) for t in tallies.values())
              for key in ("cases", "tracebacks", "internal", "slow")}
    notes = [f"{totals['cases']:,} cases; tracebacks {totals['tracebacks']}, internal errors "
             f"{totals['internal']}, runs over {SLOW:g} s of CPU {totals['slow']} (all must be 0)",
             f"in-process runs of `earl ask` take {BATCH} transactions each (JSON Lines); a "
             "subprocess sample covers the real entry point, including a 50 MB number"]
    for t in tallies.values():
        notes.extend(t.examples)
    return {"table": table("fuzz: mutated input through the CLI", header, rows), "notes": notes,
            "totals": totals, "rows": rows}
