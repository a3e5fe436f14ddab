"""`python -m bench identity [--rev REV] [--n N] [--quick] [--baseline DIR] [--keep]`

Are earl's answers identical to those of an earlier revision (default 8477560, main before the
"one core" refactor)? Both sides are run only through the command line (`earl ...`, `verify
...`), because the Python internals are what changes:

- the current side is the `earl`/`verify` of the running interpreter's environment, in the
  repository this file belongs to;
- the old side is `git worktree add --detach` of REV in a temporary folder, a venv there with
  `--system-site-packages` and `pip install --no-deps -e` of it; the
  worktree is removed afterwards unless `--keep`.

The inputs both sides read are written once, by this harness, deterministically from a seed and
from REV's spec text (read with `git show`, so a branch that rewrites the spec still gets the
same inputs): N random transactions (default 100,000; `--quick` 10,000) spread over the readings,
with defaults left out, every number and date constant of the spec and its neighbours, every
country, and unknown (null) fields in a share of them; each example's transaction; conditions
for `earl find`/`earl whatif`. The spec is read by the small reader in spec_text.py, not by earl.

Compared (each side's outputs are recorded into a folder; `--baseline DIR` records the old side
there once, with REV and a digest of the inputs, and reuses it when both match):

1. determinations: `earl ask --json --jobs 2` (full explanation) on the N transactions, `--engine
   smt` and `--engine asp` on a sample of 2,000, `--all-readings` on 500 of them (`--quick`: 200);
2. examples: `earl test --json` and `earl ask --json --engine E` on each example's transaction;
3. verify: `verify spec --json` on a temporary copy of each side's spec/ and counterexamples/,
   and the counterexample files it leaves there;
4. generate: `earl generate --out DIR --format json --format pytest`, and `earl generate --check`
   of the old side's set (not with `--quick`);
5. queries: `earl find --json` on conditions naming outcomes, inputs, groups and countries,
   `earl whatif --json`, `earl diff --left reading=regulation --right reading=summary --json`
   (`--quick`: find only).

Normalised, and nothing else: the value of every JSON field holding a time (`TIME_KEYS`) and
the durations `earl generate` reports ("in 1.5s", "(1.5s)") are blanked; each side's own absolute folders
(its checkout, its temporary copy, the inputs folder) are written as `<root>` / `<work>` /
`<inputs>` when recorded. Everything else, including the order of lines, lists and keys and the
JSON's whitespace, must be byte-identical.

Not normalised, and so reported when they differ: the two sides' installed packages (`earl ask
--json` writes compact JSON when orjson is importable, spaced JSON otherwise), and the set `earl
generate` finds, which depends on how far its time-bounded searches get (on a loaded machine
they stop early); `earl generate --check` of the old set is the part of that category that does
not depend on time.

Both sides run with PYTHONHASHSEED=0. At 8477560 some witnesses depend on the hash seed: the
minimal transaction `earl find` shows and the witnesses of verify's findings are z3's pick among
equally small models, and z3 sees the free parameters declared in the iteration order of
`Model.free_params`, a frozenset of names (solver/proofs.py `_Query.__init__`,
solver/smt.py `_Runner.__init__`); under seed 0 that order is the sorted one. Exit status: 0 all
identical, 1 some difference, 2 the comparison could not be made.
"""
from __future__ import annotations

import difflib
import gzip
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .common import ROOT, table
from .spec_text import Example, Input, SpecFacts, nested, number_json, read_spec

DEFAULT_REV = "8477560"
SEED = 20250115
FULL_N, QUICK_N = 100_000, 10_000
ENGINE_SAMPLE = 2_000
READINGS_SAMPLE, QUICK_READINGS_SAMPLE = 500, 200    # --all-readings: ~150 ms a transaction
UNKNOWN_SHARE = 0.02
CATEGORIES = ("determinations", "examples", "verify", "generate", "queries")
QUICK_SKIPS = ("generate",)
TIME_KEYS = frozenset({"seconds"})   # the only time field earl prints (verify, test, generate)
SHOWN_DIFFS = 3
HASH_SEED = "0"     # see the module docstring: earl's witnesses depend on it
COMMAND_TIMEOUT = 4 * 3600


# --------------------------------------------------------------------------- the shared inputs

def all_countries(facts: SpecFacts) -> list[str]:
    """ISO 3166-1 alpha-2 (pycountry, which the spec's `countries iso3166` names) plus the spec's own."""
    import pycountry
    return sorted({c.alpha_2 for c in pycountry.countries} | set(facts.extra_countries))


class TransactionMaker:
    """Seeded random transactions over a spec's inputs: each input left out (its default) in a
    share of them, else a value from its type: numbers at and around every number constant of the
    spec, dates at and around every date constant, countries named in the spec or any country."""

    def __init__(self, facts: SpecFacts, seed: int = SEED):
        self.facts = facts
        self.rng = random.Random(seed)
        self.countries = all_countries(facts)
        self.named = sorted(facts.named_countries & set(self.countries)) or self.countries
        consts = sorted(facts.numbers)
        self.numbers = sorted({v for c in consts for v in (c, c - 1, c + 1, c - Fraction(1, 1000),
                                                            c + Fraction(1, 1000), c / 2, c * 2)
                               if v >= 0})
        self.integers = sorted({v.numerator // v.denominator + d for v in self.numbers for d in (0, 1)})
        import datetime as dt
        days = sorted(dt.date.fromisoformat(d) for d in facts.dates) or [dt.date(2000, 1, 1)]
        self.dates = sorted({(d + dt.timedelta(days=k)).isoformat() for d in days for k in (-1, 0, 1)})
        self.date_lo, self.date_span = days[0] - dt.timedelta(days=365), (days[-1] - days[0]).days + 730
        self.country_cycle = 0
        self.countries_used: set[str] = set()
        self.with_unknowns = 0

    def value(self, inp: Input):
        r = self.rng
        if inp.kind == "bool":
            return r.random() < 0.5
        if inp.kind == "enum":
            members = self.facts.enums[inp.enum]
            return None if inp.optional and r.random() < 0.3 else r.choice(members)
        if inp.kind == "set":
            return [m for m in self.facts.enums[inp.enum] if r.random() < 0.5]
        if inp.kind == "country":
            if r.random() < 0.3:            # every country, in turn
                self.country_cycle += 1
                country = self.countries[self.country_cycle % len(self.countries)]
            else:
                country = r.choice(self.named)
            self.countries_used.add(country)
            return country
        if inp.kind == "date":
            if r.random() < 0.7:
                return r.choice(self.dates)
            import datetime as dt
            return (self.date_lo + dt.timedelta(days=r.randrange(self.date_span))).isoformat()
        if inp.kind == "integer":
            x = r.random()
            return r.choice(self.integers) if x < 0.5 else r.randrange(0, 11) if x < 0.8 else r.randrange(0, 10**7)
        x = r.random()
        if x < 0.5:
            return number_json(r.choice(self.numbers))
        if x < 0.7:
            return r.randrange(0, 11)
        scale = r.choice(self.numbers) or Fraction(1)
        return number_json(Fraction(r.randrange(0, 10**6), 10**6) * scale * 2)

    def transaction(self) -> dict:
        r = self.rng
        keep = r.choice((0.0, 0.3, 0.6, 0.9, 1.0))
        flat = {inp.path: self.value(inp) for inp in self.facts.inputs if r.random() < keep}
        if r.random() < UNKNOWN_SHARE:
            self.with_unknowns += 1
            candidates = [i.path for i in self.facts.inputs if not (i.kind == "enum" and i.optional)]
            for path in r.sample(candidates, r.choice((1, 2))):
                flat[path] = None
        return nested(flat)


def spec_files_at(rev: str) -> dict[str, str]:
    names = git("ls-tree", "--name-only", f"{rev}:spec").split()
    return {n: git("show", f"{rev}:spec/{n}") for n in names if n.endswith(".earl")}


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def write_inputs(folder: Path, facts: SpecFacts, n: int, quick: bool, rev: str) -> str:
    """Writes every input file both sides read into `folder`; returns the digest of them all."""
    folder.mkdir(parents=True, exist_ok=True)
    maker = TransactionMaker(facts)
    readings = facts.readings
    by_reading: dict[str, list[str]] = {r: [] for r in readings}
    sample = []
    for k in range(n):
        tx = json.dumps(maker.transaction(), sort_keys=True)
        reading = readings[0] if maker.rng.random() < 0.5 else maker.rng.choice(readings)
        by_reading[reading].append(tx)
        if k % max(1, n // ENGINE_SAMPLE) == 0 and len(sample) < ENGINE_SAMPLE:
            sample.append(tx)
    tx_dir = folder / "transactions"
    tx_dir.mkdir(exist_ok=True)
    for reading, lines in by_reading.items():
        (tx_dir / f"{reading}.jsonl").write_text("".join(line + "\n" for line in lines))
    (folder / "sample.jsonl").write_text("".join(line + "\n" for line in sample))
    readings_sample = sample[:QUICK_READINGS_SAMPLE if quick else READINGS_SAMPLE]
    (folder / "readings-sample.jsonl").write_text("".join(line + "\n" for line in readings_sample))
    _write_example_groups(folder / "examples", facts.examples)
    conds = conditions(facts)
    (folder / "conditions.json").write_text(json.dumps(conds, indent=1))
    _write_whatifs(folder / "whatif", facts.examples, conds)
    categories = [c for c in CATEGORIES if not (quick and c in QUICK_SKIPS)]
    (folder / "manifest.json").write_text(json.dumps(
        {"rev": rev, "n": n, "quick": quick, "seed": SEED, "hash_seed": HASH_SEED, "categories": categories,
         "readings": readings, "countries": len(maker.countries_used), "with_unknowns": maker.with_unknowns},
        indent=1))
    return digest(folder)


def _write_example_groups(folder: Path, examples: list[Example]) -> None:
    """Each example's transaction, one JSON Lines file per (reading, parameters) it is asked
    under, listed in groups.json."""
    folder.mkdir()
    groups: dict[tuple, list[Example]] = {}
    for ex in examples:
        for reading in ex.readings or [None]:
            groups.setdefault((reading or "", json.dumps(ex.params, sort_keys=True)), []).append(ex)
    listed = []
    for k, ((reading, params), members) in enumerate(sorted(groups.items())):
        name = f"{k:02d}.jsonl"
        (folder / name).write_text("".join(json.dumps(nested(ex.given), sort_keys=True) + "\n" for ex in members))
        listed.append({"file": name, "reading": reading or None, "params": json.loads(params),
                       "examples": [ex.name for ex in members]})
    (folder / "groups.json").write_text(json.dumps(listed, indent=1))


def _write_whatifs(folder: Path, examples: list[Example], conds: list[str], count: int = 5) -> None:
    """`count` (transaction file, condition) pairs for `earl whatif`: examples' transactions
    spread over the list, with conditions spread over the find conditions."""
    folder.mkdir()
    picked = examples[:: max(1, len(examples) // count)][:count]
    listed = []
    for k, (ex, cond) in enumerate(zip(picked, conds[:: max(1, len(conds) // count)])):
        (folder / f"{k}.json").write_text(json.dumps(nested(ex.given), sort_keys=True))
        listed.append({"file": f"{k}.json", "condition": cond})
    (folder / "pairs.json").write_text(json.dumps(listed, indent=1))


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def conditions(facts: SpecFacts) -> list[str]:
    """About 30 `earl find` conditions naming every outcome, some inputs, groups and countries,
    with number constants of the spec."""
    out = []
    countries = sorted(facts.named_countries)
    rng = random.Random(SEED)
    for name, typ in facts.outcomes.items():
        if typ.kind == "bool":
            out += [name, f"not {name}"]
        elif typ.kind == "set":
            out += [f'"{m}" in {name}' for m in facts.enums[typ.enum][:2]] + [f"{name} == {{}}"]
        elif typ.kind == "enum":
            out += [f'{name} == "{m}"' for m in facts.enums[typ.enum][:2]]
    country_inputs = [i.path for i in facts.inputs if i.kind == "country"]
    for group in facts.groups[:4]:
        out.append(f"{rng.choice(country_inputs)} in {group} and {rng.choice(out[:len(facts.outcomes)])}")
    for c in rng.sample(countries, 3):
        out.append(f'destination == "{c}" and {rng.choice(out[:len(facts.outcomes)])}')
    numbers = sorted(x for x in facts.numbers if x.denominator == 1 and x > 1)
    for inp in [i for i in facts.inputs if i.kind in ("number", "integer")][:4]:
        out.append(f"{inp.path} >= {rng.choice(numbers)} and {rng.choice(out[:len(facts.outcomes)])}")
    for inp in [i for i in facts.inputs if i.kind == "enum"][:2]:
        out.append(f'{inp.path} == "{facts.enums[inp.enum][-1]}" and {rng.choice(out[:len(facts.outcomes)])}')
    return out


# --------------------------------------------------------------------------- running one side

@dataclass
class Side:
    name: str
    root: Path           # its checkout (the spec/ and counterexamples/ it ships)
    bin: Path            # the folder of its `earl` and `verify`

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PYTHONHASHSEED"] = HASH_SEED
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.bin.parent)
        return env


def current_side() -> Side:
    return Side("current", ROOT, Path(sys.executable).parent)


def reads_other_spec(side: Side) -> str | None:
    """Why `side`'s earl would not answer from its own checkout's spec/ (an `earl` installed from
    another folder), or None; asked through `earl test --json -k` with a pattern nothing matches,
    which names the default spec folder."""
    p = subprocess.run([str(side.bin / "earl"), "test", "--json", "-k", "no example is called this"],
                       capture_output=True, text=True, env=side.env(), cwd=tempfile.gettempdir())
    try:
        spec = Path(json.loads(p.stdout)["spec"]).resolve()
    except (ValueError, KeyError, TypeError):
        return f"{side.bin / 'earl'} did not name its spec folder ({p.stderr.strip()[:200]})"
    if spec != (side.root / "spec").resolve():
        return f"{side.bin / 'earl'} reads {spec}, not {side.root / 'spec'}: pip install -e {side.root}"
    return None


def old_side(rev: str, work: Path) -> Side:
    """REV checked out in work/tree with its own venv; the worktree is removed if that fails."""
    tree, venv = work / "tree", work / "venv"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "-e", str(tree)],
                       check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError:
        remove_worktree(tree)
        raise
    return Side(f"old ({rev[:12]})", tree, venv / "bin")


def remove_worktree(tree: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)


class Recorder:
    """Runs one side's commands and writes what they print into `out`, category by category."""

    def __init__(self, side: Side, inputs: Path, out: Path, work: Path, reference: Path | None = None):
        """`reference`: the old side's record, when this is the new side."""
        self.side, self.inputs, self.out, self.work, self.reference = side, inputs, out, work, reference
        self.seconds: dict[str, float] = {}

    def run(self, argv: list[str], cwd: Path, stdout) -> tuple[int, str]:
        """Exit status and stderr of `argv` in `cwd`, its output streamed into the file `stdout`."""
        p = subprocess.run(argv, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, text=True, env=self.side.env(),
                           timeout=COMMAND_TIMEOUT)
        return p.returncode, self.local(p.stderr, cwd)

    def local(self, text: str, cwd: Path) -> str:
        """The side's own folders written as placeholders (they differ between sides)."""
        for folder, mark in ((self.inputs, "<inputs>"), (self.side.root, "<root>"), (cwd, "<work>"),
                             (self.work, "<work>")):
            text = text.replace(str(folder.resolve()), mark).replace(str(folder), mark)
        return text

    def record(self, category: str, name: str, argv: list[str], cwd: Path | None = None,
               lines: bool = False) -> None:
        """`argv` (first word: earl or verify) run in `cwd`: what it prints into CATEGORY/NAME.out,
        or CATEGORY/NAME.jsonl.gz when it prints one answer per line (100,000 explained answers
        are about 700 MB), its exit status and stderr into CATEGORY/NAME.status.json."""
        folder = self.out / category
        folder.mkdir(parents=True, exist_ok=True)
        cwd = cwd or self.side.root
        raw = self.work / "stdout"
        with raw.open("w") as stdout:
            code, stderr = self.run([str(self.side.bin / argv[0]), *argv[1:]], cwd, stdout)
        if lines:
            with raw.open() as src, gzip.open(folder / f"{name}.jsonl.gz", "wt", compresslevel=1) as dst:
                for line in src:
                    dst.write(self.local(line, cwd))
        else:
            (folder / f"{name}.out").write_text(self.local(raw.read_text(), cwd))
        raw.unlink()
        status = {"argv": [self.local(a, cwd) for a in argv], "exit": code, "stderr": stderr}
        (folder / f"{name}.status.json").write_text(json.dumps(status, indent=1, ensure_ascii=False) + "\n")

    def timed(self, category: str, fn) -> None:
        t = time.perf_counter()
        fn()
        self.seconds[category] = round(time.perf_counter() - t, 1)
        print(f"  {self.side.name}: {category} {self.seconds[category]} s", flush=True)

    # ----- the categories

    def determinations(self, readings: list[str]) -> None:
        tx = self.inputs / "transactions"
        for reading in readings:
            self.record("determinations", f"eval.{reading}",
                        ["earl", "ask", "--json", "--jobs", "2", "--reading", reading, str(tx / f"{reading}.jsonl")],
                        lines=True)
        sample = str(self.inputs / "sample.jsonl")
        for engine in ("smt", "asp"):
            self.record("determinations", f"{engine}.sample",
                        ["earl", "ask", "--json", "--jobs", "2", "--engine", engine, sample], lines=True)
        self.record("determinations", "all-readings.sample",
                    ["earl", "ask", "--json", "--jobs", "2", "--all-readings",
                     str(self.inputs / "readings-sample.jsonl")], lines=True)

    def examples(self) -> None:
        self.record("examples", "earl-test", ["earl", "test", "--json", "spec"])
        folder = self.inputs / "examples"
        for group in json.loads((folder / "groups.json").read_text()):
            opts = (["--reading", group["reading"]] if group["reading"] else []) + [
                a for p, v in sorted(group["params"].items()) for a in ("--param", f"{p}={v}")]
            for engine in ("eval", "smt", "asp"):
                self.record("examples", f"{engine}.{group['file'].removesuffix('.jsonl')}",
                            ["earl", "ask", "--json", "--jobs", "1", "--engine", engine, *opts,
                             str(folder / group["file"])], lines=True)

    def verify(self) -> None:
        copy = self.work / "verify"
        copy.mkdir()
        shutil.copytree(self.side.root / "spec", copy / "spec")
        if (self.side.root / "counterexamples").is_dir():
            shutil.copytree(self.side.root / "counterexamples", copy / "counterexamples")
        self.record("verify", "verify", ["verify", "spec", "--json"], cwd=copy)
        if (copy / "counterexamples").is_dir():
            shutil.copytree(copy / "counterexamples", self.out / "verify" / "counterexamples")

    def generate(self) -> None:
        """The generated set, and `earl generate --check` of the old side's set: the set itself
        depends on how far the time-bounded search gets, the check of a given set does not."""
        work = self.work / "generate"
        work.mkdir()
        self.record("generate", "generate", ["earl", "generate", "--out", "set", "--format", "json",
                                             "--format", "pytest"], cwd=work)
        if (work / "set").is_dir():
            shutil.copytree(work / "set", self.out / "generate" / "set")
        old_set = (self.reference or self.out) / "generate" / "set"
        if old_set.is_dir():
            shutil.copytree(old_set, work / "old-set")
            self.record("generate", "check-old-set", ["earl", "generate", "--check", "old-set"], cwd=work)

    def queries(self, quick: bool) -> None:
        conds = json.loads((self.inputs / "conditions.json").read_text())
        for k, cond in enumerate(conds):
            self.record("queries", f"find{k:02d}", ["earl", "find", "--json", cond])
        if quick:
            return
        folder = self.inputs / "whatif"
        for k, pair in enumerate(json.loads((folder / "pairs.json").read_text())):
            self.record("queries", f"whatif{k}", ["earl", "whatif", "--json", str(folder / pair["file"]),
                                                  pair["condition"]])
        self.record("queries", "diff-readings", ["earl", "diff", "--left", "reading=regulation",
                                                 "--right", "reading=summary", "--json"])


def record_side(side: Side, inputs: Path, out: Path, quick: bool, reference: Path | None = None
                ) -> dict[str, float]:
    """Every category's outputs of one side into `out`; seconds per category. `reference`: the
    old side's record, when this is the new side."""
    manifest = json.loads((inputs / "manifest.json").read_text())
    with tempfile.TemporaryDirectory(prefix="earl-identity-") as tmp:
        rec = Recorder(side, inputs, out, Path(tmp), reference)
        rec.timed("determinations", lambda: rec.determinations(manifest["readings"]))
        rec.timed("examples", rec.examples)
        rec.timed("verify", rec.verify)
        if "generate" in manifest["categories"]:
            rec.timed("generate", rec.generate)
        rec.timed("queries", lambda: rec.queries(quick))
    return rec.seconds


# --------------------------------------------------------------------------- comparing two records

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_TIME_FIELD = re.compile(r'"(%s)"(\s*):(\s*)(?:%s|\{[^{}]*\})' % ("|".join(sorted(TIME_KEYS)), _NUMBER))
_TIME_TEXT = re.compile(r"(?:(?<=\bin )|(?<=\())%ss\b" % _NUMBER)   # earl generate: "in 220.2s", "(127.8s)"


def without_times(text: str) -> str:
    """The text with every JSON time field's value (a number, or an object of numbers per phase)
    and every "in 1.5s" or "(1.5s)" of a text report blanked, all other bytes kept.

    >>> without_times('{"proved": 3, "seconds": 12.062, "x": {"seconds": {"cover": 1.5}}}')
    '{"proved": 3, "seconds": "-", "x": {"seconds": "-"}}'
    >>> without_times("149 transactions (greedy 166) in 220.2s; cover: 152 (127.8s)")
    '149 transactions (greedy 166) in -s; cover: 152 (-s)'
    """
    return _TIME_TEXT.sub("-s", _TIME_FIELD.sub(r'"\1"\2:\3"-"', text))


def _items(path: Path):
    """A recorded file's comparable items, times blanked, in order: (key, text) of each line of a
    .jsonl(.gz) file (streamed: the files can be large), else of the whole file."""
    if path.name.endswith((".jsonl", ".jsonl.gz")):
        with (gzip.open(path, "rt") if path.suffix == ".gz" else path.open()) as f:
            for k, line in enumerate(f, 1):
                yield f"line {k}", without_times(line)
        return
    raw = path.read_bytes()
    try:
        yield "", without_times(raw.decode())
    except UnicodeDecodeError:
        yield "", raw.hex()


def _pairs(left: Path, right: Path):
    """(key, old text or None, new text or None) of every item of two recorded files."""
    nothing = iter(())
    for (ka, a), (kb, b) in itertools.zip_longest(_items(left) if left.is_file() else nothing,
                                                  _items(right) if right.is_file() else nothing,
                                                  fillvalue=(None, None)):
        yield ka or kb, a, b


def _shown(text: str) -> list[str]:
    """An item as the lines its diff shows: JSON indented (the byte-level difference is shown
    when the JSON is the same and only the writing differs)."""
    try:
        return (json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n").splitlines(True)
    except ValueError:
        return text.splitlines(True)


def _unified(left: str | None, right: str | None, where: str) -> str:
    a = _shown(left) if left is not None else ["(missing)\n"]
    b = _shown(right) if right is not None else ["(missing)\n"]
    if a == b:
        a, b = left.splitlines(True), right.splitlines(True)
    return "".join(difflib.unified_diff(a, b, f"old {where}", f"new {where}", n=2))


@dataclass
class CategoryDiff:
    items: int = 0
    differing: int = 0
    shown: list = field(default_factory=list)


def compare(old: Path, new: Path, categories=CATEGORIES) -> dict[str, CategoryDiff]:
    """Per category, how many recorded items (answer lines, JSON documents, files) differ between
    two recorded folders, with the first few as unified diffs."""
    result = {}
    for category in categories:
        diff = CategoryDiff()
        a, b = old / category, new / category
        files = sorted({p.relative_to(d) for d in (a, b) if d.is_dir() for p in d.rglob("*") if p.is_file()})
        for rel in files:
            for key, left, right in _pairs(a / rel, b / rel):
                diff.items += 1
                if left == right:
                    continue
                diff.differing += 1
                if len(diff.shown) < SHOWN_DIFFS:
                    where = f"{category}/{rel}" + (f" {key}" if key else "")
                    diff.shown.append(_unified(left, right, where))
        result[category] = diff
    return result


# --------------------------------------------------------------------------- the command

def run(quick: bool = False, n: int | None = None, rev: str = DEFAULT_REV, baseline: Path | None = None,
        keep: bool = False) -> dict:
    n = n or (QUICK_N if quick else FULL_N)
    try:
        commit = git("rev-parse", f"{rev}^{{commit}}").strip()
    except subprocess.CalledProcessError as e:
        return _refused(f"no revision {rev!r} in {ROOT}: {e.stderr.strip()}")
    work = Path(tempfile.mkdtemp(prefix="earl-identity-"))
    notes: list[str] = []
    try:
        inputs = work / "inputs"
        t = time.perf_counter()
        facts = read_spec(spec_files_at(commit))
        inputs_digest = write_inputs(inputs, facts, n, quick, commit)
        manifest = json.loads((inputs / "manifest.json").read_text())
        notes.append(f"inputs: {n:,} transactions over {len(facts.readings)} readings "
                     f"({manifest['countries']} countries, {manifest['with_unknowns']:,} with unknown fields), "
                     f"{len(facts.examples)} examples, {len(json.loads((inputs / 'conditions.json').read_text()))} "
                     f"find conditions, written in {time.perf_counter() - t:.1f} s (digest {inputs_digest[:12]})")
        old_dir = baseline.resolve() if baseline else work / "old"
        try:
            old_meta = _old_record(commit, rev, inputs, inputs_digest, old_dir, quick, keep, work, notes)
        except CannotCompare as e:
            return _refused(str(e))
        except subprocess.CalledProcessError as e:
            return _refused(f"{e}\n{e.stderr or ''}")
        current = current_side()
        if why := reads_other_spec(current):
            return _refused(why)
        notes += _environment_notes(old_meta.get("packages"), packages(current))
        new_seconds = record_side(current, inputs, work / "new", quick, reference=old_dir)
        categories = json.loads((inputs / "manifest.json").read_text())["categories"]
        diffs = compare(old_dir, work / "new", categories)
    finally:
        if keep:
            notes.append(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    old_seconds = old_meta["seconds"]
    rows = [[c, d.items, "identical" if not d.differing else f"{d.differing} differ",
             old_seconds.get(c), new_seconds.get(c)] for c, d in diffs.items()]
    identical = all(not d.differing for d in diffs.values())
    out = {"rev": commit, "n": n, "identical": identical, "exit": 0 if identical else 1,
           "categories": {c: {"items": d.items, "differing": d.differing, "diffs": d.shown,
                              "old_seconds": old_seconds.get(c), "new_seconds": new_seconds.get(c)}
                          for c, d in diffs.items()},
           "notes": notes,
           "table": table(f"identity: this tree vs {rev} ({commit[:12]})",
                          ["category", "items", "result", "old s", "current s"], rows)
           + "".join(f"\n\n{d}" for x in diffs.values() for d in x.shown)}
    return out


def _refused(why: str) -> dict:
    return {"identical": None, "exit": 2, "refused": why, "notes": [], "table": f"\n## identity\nREFUSED: {why}"}


def packages(side: Side) -> list[str]:
    """The distributions `side`'s interpreter sees, earl left out (`pip list --format=freeze`)."""
    p = subprocess.run([str(side.bin / "python"), "-m", "pip", "list", "--format=freeze"], capture_output=True,
                       text=True, env=side.env())
    return sorted(line for line in p.stdout.splitlines()
                  if line and re.split(r"==| @ ", line)[0].lower() != "earl")


def _environment_notes(old: list[str] | None, new: list[str]) -> list[str]:
    """What differs between the two sides' installed packages: output can depend on it (earl ask
    writes compact JSON when orjson is importable)."""
    if old is None:
        return ["the old side's packages were not recorded: its environment is not compared"]
    only_old, only_new = sorted(set(old) - set(new)), sorted(set(new) - set(old))
    if not (only_old or only_new):
        return []
    return [f"ENVIRONMENTS DIFFER (outputs may differ for that reason alone): only the old side has "
            f"{', '.join(only_old) or 'nothing else'}; only the current side has {', '.join(only_new) or 'nothing else'}"]


def _old_record(commit, rev, inputs, inputs_digest, old_dir: Path, quick, keep, work, notes) -> dict:
    """Records the old side into old_dir (complete or not at all), or reuses old_dir when it was
    recorded from the same revision and inputs; CannotCompare if it was not. Returns old_dir's
    meta.json: revision, inputs digest, seconds per category, packages."""
    meta_file = old_dir / "meta.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text())
        if (meta.get("rev"), meta.get("inputs")) != (commit, inputs_digest):
            raise CannotCompare(
                f"{old_dir} was recorded from revision {meta.get('rev')} and inputs {meta.get('inputs')}, "
                f"not {commit} and {inputs_digest} (another --rev, --n or --quick?)")
        notes.append(f"old side reused from {old_dir} (recorded {meta.get('when')})")
        return meta
    if old_dir.exists() and any(old_dir.iterdir()):
        raise CannotCompare(f"{old_dir} is not empty and holds no meta.json: not a recorded baseline")
    side = old_side(commit, work / "old-side")
    staged = work / "old-record"
    try:
        if why := reads_other_spec(side):
            raise CannotCompare(why)
        seconds = record_side(side, inputs, staged, quick)
        meta = {"rev": commit, "asked_rev": rev, "inputs": inputs_digest, "seconds": seconds,
                "packages": packages(side), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    finally:
        if keep:
            notes.append(f"old worktree kept: {side.root}")
        else:
            remove_worktree(side.root)
    (staged / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    if old_dir.exists():
        old_dir.rmdir()
    shutil.move(staged, old_dir)
    return meta


class CannotCompare(Exception):
    """The two sides cannot be compared: a --baseline folder recorded from another revision or
    other inputs, or an `earl` that does not read its own checkout's spec."""
