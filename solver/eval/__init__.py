"""The reference evaluator: the ground truth every other engine is tested against.

Semantics (ir.Rule): a rule *applies* when all its conditions hold, and *fires* when it applies
and no rule that overrides it (present under the reading) fires. Each outcome slot (a scalar
outcome, or one element of a set outcome) takes the value concluded by the first firing rule for
it in the model's rule order, else the outcome's default; firing rules concluding different
values are a *conflict* (`trace.decide` states this once for every engine).

All arithmetic is exact (Fractions; integral values may be carried as Python ints, which compare
and hash equal to the Fraction). Dates compare as dates; country groups are taken as they stood on
the transaction's date.

- interpreter.py: `interpret` / `run_interpreted`, the oracle: a plain tree-walking interpreter.
- compiled.py: `run` / `run_batch` / `eval_expr`, the model compiled to Python (codegen.py)
  once per model; the fast path, checked against the interpreter.
- outcomes.py: `run_outcomes` / `compile_outcomes`, outcomes without an explanation.
- order.py: what each node of a model reads, and the dependency order (`EvalError` on a cycle).
"""
from .compiled import Compiled, Evaluator, compile_expr, compile_model, eval_expr, run, run_batch
from .interpreter import Interpreter, interpret, run_interpreted
from .order import EvalError
from .outcomes import compile_outcomes, run_outcomes

__all__ = ["Compiled", "EvalError", "Evaluator", "Interpreter", "compile_expr", "compile_model",
           "compile_outcomes", "eval_expr", "interpret", "run", "run_batch", "run_interpreted",
           "run_outcomes"]
