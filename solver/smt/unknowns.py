"""Unknown facts: which outcomes a partial transaction already settles, and which facts matter.

`settle(model, partial)` takes a transaction in which some inputs are `UNKNOWN` (the user does
not know them; absent inputs take their defaults, and a default that names an unknown input is
that same unknown). For each outcome:
- `Settled(value)`: every completion of the unknown facts gives this value (z3 proves the
  outcome cannot take another value);
- `Unsettled(depends_on)`: completions disagree; `depends_on` lists the unknown facts that matter:
  f matters if two completions that differ only in f give different values (z3 finds such a pair:
  two copies of the unknowns sharing all but f).
Parameters keep the model's values. Whatever z3 cannot decide within the time limit is reported
`Unsettled` with `exact=False` (never as settled). Every witness is replayed through the reference
evaluator.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from ... import ir
from ...ir.values import UNKNOWN
from ..countries import CountryClasses
from ..eval import run as evaluate_run
from ..replay import EngineDisagreement
from ..store import STORE
from ..transaction import TransactionError
from .compile import Compiler
from .encode import VarPool


@dataclass(frozen=True)
class Settled:
    """Every completion of the unknown facts gives the outcome this value."""
    value: ir.Value


@dataclass(frozen=True)
class Unsettled:
    """Completions give the outcome different values; `depends_on` are the unknown facts (input
    paths) whose value alone can change it. `exact=False`: the solver ran out of time on some
    question, so the list may be incomplete (and the outcome may in fact be settled)."""
    depends_on: tuple[str, ...]
    exact: bool = True


def unknown_inputs(spec: ir.Spec, partial: dict[str, Any]) -> tuple[str, ...]:
    """The inputs the user marked UNKNOWN (the free facts), in declaration order."""
    return tuple(p for p in spec.inputs if p in partial and partial[p] is UNKNOWN)


def settle(model: ir.Model, partial: dict[str, Any], *, timeout_ms: int = 5_000) -> dict[str, Settled | Unsettled]:
    spec = model.spec
    for path in partial:
        if path not in spec.inputs:
            raise TransactionError("$." + path, "no such input")
    pool, raw = _compiled(model)
    unknown = unknown_inputs(spec, partial)

    # each input: a concrete value, or the variable of the unknown fact it stands for
    binding: dict[str, tuple[str, Any]] = {}

    def bind(path: str, seen: tuple[str, ...]) -> tuple[str, Any]:
        if path in binding:
            return binding[path]
        if path in partial:
            v = partial[path]
            b = ("var", path) if v is UNKNOWN else ("val", v)
        else:
            d = spec.inputs[path].default
            if isinstance(d, ir.InputRef):
                if d.path in seen:
                    raise TransactionError("$." + path, "input defaults form a cycle")
                b = bind(d.path, seen + (d.path,))
            else:
                b = ("val", d.value)
        binding[path] = b
        return b

    subst = []
    for name, var in pool.params.items():    # parameters keep the model's values
        subst.append((var, pool.encode_as(var, pool.param_types[name], model.params[name])))
    for path, decl in spec.inputs.items():
        kind, x = bind(path, (path,))
        if kind == "val":
            subst.append((pool.inputs[path], pool.encode_as(pool.inputs[path], decl.type, x)))
        elif x != path:
            subst.append((pool.inputs[path], pool.inputs[x]))

    def close(t):
        return z3.substitute(t, *subst) if subst else t

    def term(name: str):
        t = raw[name]
        return {m: close(b) for m, b in t.items()} if isinstance(t, dict) else close(t)

    terms = {o: term(o) for o in spec.outcomes}
    domain = [close(d) for d in pool.domain]
    base = z3.Solver()
    base.set("timeout", timeout_ms)
    base.add(*domain)
    if base.check() != z3.sat:   # pragma: no cover - the domain of the inputs is never empty
        raise RuntimeError("no completion of the transaction exists")
    m0 = base.model()
    completion0 = _completion(spec, pool, binding, m0)
    trace0 = evaluate_run(model, completion0)

    def differs(a, b):
        if isinstance(a, dict):
            return z3.Or(*[a[k] != b[k] for k in a]) if a else z3.BoolVal(False)
        return a != b

    out: dict[str, Settled | Unsettled] = {}
    for o, t in terms.items():
        v0 = trace0.outcomes[o]
        enc = pool.encode(spec.outcomes[o].type, v0)
        s = z3.Solver()
        s.set("timeout", timeout_ms)
        s.add(*domain)
        s.add(differs(t, enc))
        r = s.check()
        if r == z3.unsat:
            out[o] = Settled(v0)
            continue
        if r == z3.sat:
            other = _try_completion(spec, pool, binding, s.model())
            if other is not None and evaluate_run(model, other).outcomes[o] == v0:
                raise EngineDisagreement(
                    f"z3 claims outcome {o!r} can differ from {v0!r}, but the reference evaluator "
                    f"gives {v0!r} on {other}")
        exact = r == z3.sat
        matters = []
        for f in unknown:
            var = pool.inputs[f]
            twin = z3.Const(f"{var}#twin", var.sort())
            t2 = ({k: z3.substitute(b, (var, twin)) for k, b in t.items()} if isinstance(t, dict)
                  else z3.substitute(t, (var, twin)))
            s2 = z3.Solver()
            s2.set("timeout", timeout_ms)
            s2.add(*domain)
            s2.add(*[z3.substitute(d, (var, twin)) for d in domain])
            s2.add(differs(t, t2))
            r2 = s2.check()
            if r2 == z3.sat:
                mm = s2.model()
                a = _try_completion(spec, pool, binding, mm)
                b = _try_completion(spec, pool, binding, mm, twin=(f, twin))
                if a is None or b is None:
                    exact = False
                elif evaluate_run(model, a).outcomes[o] == evaluate_run(model, b).outcomes[o]:
                    raise EngineDisagreement(
                        f"z3 claims {f!r} alone changes outcome {o!r}, but the reference evaluator "
                        f"gives the same value on {a} and {b}")
                matters.append(f)
            elif r2 == z3.unknown:
                exact = False
                matters.append(f)
        out[o] = Unsettled(tuple(matters), exact=exact)
    return out


def _compiled(model: ir.Model) -> tuple[VarPool, dict[str, Any]]:
    """The model's outcomes as z3 terms over one symbolic transaction (inline), built once per
    model and kept in the store."""
    def build() -> tuple[VarPool, dict[str, Any]]:
        pool = VarPool(model.spec, CountryClasses.of(model))
        comp = Compiler(model, pool)
        return pool, {o: comp.outcome(o) for o in model.spec.outcomes}
    return STORE.get("smt_outcome_terms", model, build)


def _try_completion(*args, **kw) -> dict[str, ir.Value] | None:
    """A completion from a z3 model, or None when a number came out irrational."""
    try:
        return _completion(*args, **kw)
    except ValueError:
        return None


def _completion(spec: ir.Spec, pool: VarPool, binding: dict[str, tuple[str, Any]], m: z3.ModelRef,
                twin: tuple[str, z3.ExprRef] | None = None) -> dict[str, ir.Value]:
    tx = {}
    for path, decl in spec.inputs.items():
        kind, x = binding[path]
        if kind == "val":
            tx[path] = x
        else:
            var = twin[1] if twin is not None and twin[0] == x else pool.inputs[x]
            tx[path] = pool.decode(spec.inputs[x].type, m.eval(var, model_completion=True))
    return tx
