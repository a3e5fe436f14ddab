"""The z3 determination engine: a Model compiled once into one packed term, run per transaction.

The packed integer term encodes, digit by digit, each rule's first failing condition and whether
it fires; a run assigns the inputs in a z3 model, evaluates that single term through the low-level
API, and turns the digits into a Trace by `trace.decide` (the one statement of slot values and
conflicts). Proofs go through prove.py; `SmtEngine` offers both behind backend.py's protocols.
"""
from __future__ import annotations

from typing import Iterable

import z3

from ... import ir
from ..backend import Prover
from ..countries import CountryClasses
from ..results import Result
from ..store import STORE
from ..trace import Trace, decide
from . import prove
from .compile import Compiler
from .encode import VarPool


class Runner:
    """One Model compiled (inline) into the packed term, with a z3 model reused across runs."""

    def __init__(self, model: ir.Model):
        self.model = model
        self.pool = VarPool(model.spec, CountryClasses.of(model))
        comp = Compiler(model, self.pool)
        for name in model.free_params:
            comp.expr(model.spec.param_ref(name))
        digits = []
        self.layout: list[tuple[str, int, int]] = []   # rule, n conditions, weight
        weight = 1
        for r in model.rules:
            conds = comp.conditions(r)
            n = len(conds)
            term = z3.IntVal(n)
            for i in reversed(range(n)):
                term = z3.If(conds[i], term, z3.IntVal(i))
            # digit: i < n = first failing condition; n = applies but defeated; n+1 = fires
            digit = z3.If(comp.fires(r), z3.IntVal(n + 1), term)
            digits.append(digit * weight if weight != 1 else digit)
            self.layout.append((r, n, weight))
            weight *= n + 2
        # simplified once (an equivalent, smaller term: every run evaluates it)
        self.packed = z3.simplify(z3.Sum(*digits)) if digits else z3.IntVal(0)
        self.zmodel = z3.Model()
        self._values: dict = {}
        # one entry per input, then per free parameter: (name, variable, declaration AST, type)
        self._input_slots = [(p, v, v.decl().ast, model.spec.inputs[p].type) for p, v in self.pool.inputs.items()]
        self._param_slots = [(n, v, v.decl().ast, self.pool.param_types[n]) for n, v in self.pool.params.items()]
        self._assigned: list = [None] * (len(self._input_slots) + len(self._param_slots))
        self._ctx = self.packed.ctx_ref()
        self._ast = self.packed.as_ast()
        self._decoded: dict[int, Trace] = {}    # packed value -> its trace (bounded below)

    def _value_ast(self, i: int, var: z3.ExprRef, t: ir.Type, value: ir.Value):
        """The AST of `value` in the sort of slot i's variable (kept alive by `_values`)."""
        key = (i, value if not isinstance(value, frozenset) else tuple(sorted(value)))
        hit = self._values.get(key)
        if hit is None:
            term = self.pool.encode_as(var, t, value)
            hit = (term, term.as_ast())      # keep the Python object: it owns the reference
            if len(self._values) < 100_000:
                self._values[key] = hit
        return hit

    def _assign(self, i: int, var: z3.ExprRef, decl, t: ir.Type, value: ir.Value) -> None:
        ast = self._value_ast(i, var, t, value)[1]
        # the z3 model holds a reference to each value assigned, so an equal address is the same
        # (hash-consed) value: nothing to do
        if self._assigned[i] != ast.value:
            _add_const_interp(self._ctx, self.zmodel.model, decl, ast)
            self._assigned[i] = ast.value

    def run(self, tx: dict[str, ir.Value]) -> Trace:
        ctx = self._ctx
        n_inputs = len(self._input_slots)
        try:
            for i, (path, var, decl, t) in enumerate(self._input_slots):
                try:
                    value = tx[path]
                except KeyError:
                    raise ValueError(f"the transaction has no value for input {path!r}") from None
                self._assign(i, var, decl, t, value)
            for j, (name, var, decl, t) in enumerate(self._param_slots):
                self._assign(n_inputs + j, var, decl, t, self.model.params[name])
        except BaseException:
            self._assigned = [None] * len(self._assigned)   # unsure what the model now holds
            raise
        code = _get_error_code(ctx)   # the assignments skip z3py's per-call error check
        if code != z3.Z3_OK:
            self._assigned = [None] * len(self._assigned)
            raise z3.Z3Exception(z3.Z3_get_error_msg(ctx, code))
        r = z3.Ast(0)
        if not z3.Z3_model_eval(ctx, self.zmodel.model, self._ast, True, z3.byref(r)):
            raise RuntimeError("z3 could not evaluate the model")   # pragma: no cover
        packed = int(z3.Z3_get_numeral_string(ctx, r))
        trace = self._decoded.get(packed)
        if trace is None:
            trace = self._decode(packed)
            if len(self._decoded) < 10_000:
                self._decoded[packed] = trace
        # a fresh trace each run: a caller may change the dicts of the one it got
        return Trace(outcomes=dict(trace.outcomes), applicable=trace.applicable, fired=trace.fired,
                     first_failing=dict(trace.first_failing), conflicts=trace.conflicts)

    def _decode(self, packed: int) -> Trace:
        applicable, fired, first_failing = [], [], {}
        for rule, n, weight in self.layout:
            d = (packed // weight) % (n + 2)
            if d < n:
                first_failing[rule] = d
            else:
                applicable.append(rule)
                if d == n + 1:
                    fired.append(rule)
        return decide(self.model, applicable, fired, first_failing)


def _unchecked(api):
    """The C function behind a z3py API wrapper, without the wrapper's error check after every
    call (the run loop checks the error code once per run); the checked wrapper if this z3py
    does not expose it."""
    elementaries = (getattr(api, "__defaults__", None) or (None,))[-1]
    return getattr(elementaries, "f", None) or api


_add_const_interp = _unchecked(z3.Z3_add_const_interp)
_get_error_code = z3.Z3_get_error_code


def runner(model: ir.Model) -> Runner:
    """The model's compiled runner (built once per model, kept in the store)."""
    return STORE.get("smt_runner", model, lambda: Runner(model))


class SmtEngine(Prover):
    """The z3 engine: concrete runs by model evaluation of one packed term, proofs by z3.
    `valid` and `satisfiable` take prove.py's options (`minimize`, `explain`)."""
    name = "smt"

    def run(self, model: ir.Model, transaction: dict[str, ir.Value]) -> Trace:
        return runner(model).run(transaction)

    def run_batch(self, model: ir.Model, transactions: Iterable[dict[str, ir.Value]]) -> list[Trace]:
        compiled = runner(model)
        return [compiled.run(tx) for tx in transactions]

    def valid(self, model: ir.Model, claim: ir.Expr, *, timeout_ms: int = 10_000, **options) -> Result:
        return prove.valid(model, claim, timeout_ms=timeout_ms, **options)

    def satisfiable(self, model: ir.Model, expr: ir.Expr, *, timeout_ms: int = 10_000, **options) -> Result:
        return prove.satisfiable(model, expr, timeout_ms=timeout_ms, **options)
