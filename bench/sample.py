"""A seeded, hypothesis-free sampler of complete transactions of any spec.

Derived from the Spec alone (like cli/testing.py, whose boundary helpers it reuses when that
module can be imported): enum members and `none`, booleans, countries from every membership
signature / every named country / the rest, dates at and around every membership change and
date literal, numbers at and around every numeric literal and parameter value; and, for half
of the transactions, one or two numeric inputs solved so that a comparison the spec makes lands
exactly on (or next to) its threshold. Same seed and spec -> same transactions.
"""
from __future__ import annotations

import datetime
import hashlib
import math
import pickle
import random
from fractions import Fraction
from pathlib import Path

from earl import ir
from earl.solver.eval import compile_expr
from earl.solver.transaction import complete

try:  # the boundary helpers of cli/testing.py (it imports hypothesis at module level)
    from earl.testing import _TINY, _targets, boundary_numbers, country_pool, interesting_dates
    from earl.testing import _solve as solve_for
    HAVE_TESTING = True
except Exception:  # pragma: no cover - without hypothesis: plain random values, no boundary solving
    HAVE_TESTING = False
    _TINY = Fraction(1, 1000)

    def boundary_numbers(spec):
        return [Fraction(0), Fraction(1)]

    def interesting_dates(spec):
        return []

    def country_pool(spec):
        codes = sorted(spec.countries)
        return codes[:20], codes, codes

    def _targets(spec):
        return []

    def solve_for(model, diff, tx, x):
        return None

RESULTS = Path(__file__).parent / "results"


class Sampler:
    def __init__(self, spec: ir.Spec, seed: int = 20250115):
        self.spec = spec
        self.rng = random.Random(seed)
        self.special, self.known, self.outside = country_pool(spec)
        self.all_countries = sorted(spec.countries)
        self.days = interesting_dates(spec)
        self.bounds = boundary_numbers(spec)
        lo = (self.days[0] if self.days else datetime.date(2020, 1, 1)) - datetime.timedelta(days=730)
        hi = (self.days[-1] if self.days else datetime.date(2030, 1, 1)) + datetime.timedelta(days=730)
        self.date_lo, self.date_span = lo, (hi - lo).days
        self.targets = _targets(spec)
        self.boundary_hits: set[int] = set()
        self._pts: dict = {}   # indexes of targets some transaction hits exactly

    def value(self, typ: ir.Type, minimum: Fraction | None):
        r = self.rng
        if isinstance(typ, ir.Bool):
            return r.random() < 0.5
        if isinstance(typ, ir.Enum):
            members = self.spec.enums[typ.name].members
            if typ.optional and r.random() < 0.5:
                return None
            return r.choice(members)
        if isinstance(typ, ir.SetOf):
            members = self.spec.enums[typ.enum].members
            return frozenset(m for m in members if r.random() < 0.5)
        if isinstance(typ, ir.Country):
            x = r.random()
            pool = self.special if x < 0.5 else self.known if x < 0.8 else self.outside
            return r.choice(pool or self.all_countries)
        if isinstance(typ, ir.Date):
            if self.days and r.random() < 0.6:
                return r.choice(self.days)
            return self.date_lo + datetime.timedelta(days=r.randrange(self.date_span + 1))
        if isinstance(typ, ir.Num):
            key = (typ.integer, minimum)
            pts = self._pts.get(key)
            if pts is None:
                pts = self._pts[key] = [x for x in self.bounds if (minimum is None or x >= minimum)
                                        and (not typ.integer or x.denominator == 1)]
            base = minimum if minimum is not None else Fraction(-10 ** 6)
            x = r.random()
            if pts and x < 0.4:
                return r.choice(pts)
            if x < 0.55:
                return base + r.randint(0, 100)
            if x < 0.7:
                return base + r.randint(0, 10 ** 7)
            if x < 0.8:
                return base + r.randint(0, 10 ** 28)
            if len(pts) > 1 and not typ.integer:
                a, b = r.choice(pts), r.choice(pts)
                v = a + (b - a) * Fraction(r.randint(0, 100), 100)
                return v if minimum is None or v >= minimum else minimum
            return base + r.randint(0, 10 ** 9)
        raise TypeError(f"no sampler for type {typ}")

    def one(self) -> dict:
        r, spec = self.rng, self.spec
        given = {}
        for path, decl in spec.inputs.items():
            if isinstance(decl.default, ir.InputRef) and r.random() < 0.5:
                continue
            given[path] = self.value(decl.type, decl.minimum)
        aimed = []
        if self.targets and r.random() < 0.5:
            for _ in range(r.randint(1, 2)):
                i = r.randrange(len(self.targets))
                model, diff, xs = self.targets[i]
                x = r.choice(xs)
                root = solve_for(model, diff, complete(spec, given), x)
                if root is None:
                    continue
                decl = spec.inputs[x]
                delta = r.choice([0, 0, 1, -1, _TINY, -_TINY])
                v = root + delta
                if decl.type.integer:
                    v = Fraction(r.choice([math.floor(v), math.ceil(v)]))
                if decl.minimum is not None and v < decl.minimum:
                    v = decl.minimum
                given[x] = v
                if delta == 0:
                    aimed.append(i)
        tx = complete(spec, given)
        if aimed:
            for i in aimed:
                if i in self.boundary_hits:
                    continue
                model, diff, _ = self.targets[i]
                try:
                    if compile_expr(model, diff)(tx) == 0:
                        self.boundary_hits.add(i)
                except Exception:
                    pass
        return tx

    def many(self, n: int) -> list[dict]:
        return [self.one() for _ in range(n)]


def spec_digest(spec_dir: str) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(spec_dir).glob("*.earl")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def sample(spec: ir.Spec, spec_dir: str, n: int, seed: int = 20250115) -> tuple[list[dict], dict]:
    """n transactions (cached in bench/results/ by spec content, n and seed), and sampler facts."""
    key = f"sample-{spec_digest(spec_dir)}-{n}-{seed}-{int(HAVE_TESTING)}.pickle"
    path = RESULTS / key
    if path.exists():
        try:
            with path.open("rb") as f:
                return pickle.load(f)
        except Exception:
            pass
    s = Sampler(spec, seed)
    txs = s.many(n)
    info = {"seed": seed, "boundary_targets": len(s.targets),
            "boundary_targets_hit_exactly": len(s.boundary_hits),
            "uses_earl_testing": HAVE_TESTING}
    RESULTS.mkdir(parents=True, exist_ok=True)
    for old in RESULTS.glob("sample-*.pickle"):
        if old.name != key and old.stat().st_size > 0:
            try:
                old.unlink()
            except OSError:
                pass
    try:
        with path.open("wb") as f:
            pickle.dump((txs, info), f, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass
    return txs, info
