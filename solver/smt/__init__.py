"""The z3 side, in Cedar symcc's vocabulary; its engine is `SmtEngine` (determinations and the
`Prover` protocol of backend.py).

- encode.py    values and variables: `VarPool` (the symbolic transaction), sorts, exact numbers
- compile.py   IR expressions to z3 terms: the `Compiler` (inline, or tracked for unsat cores)
- run.py       the determination engine: one packed term per model, evaluated per transaction
- prove.py     queries (valid, satisfiable, equivalent_models), "relies on" cores, replay
- minimize.py  minimal instances: fewest inputs off their defaults, ordinary values
- unknowns.py  which outcomes a partial transaction settles, and which unknown facts matter

Compiled artifacts (runners, queries, outcome terms) live in solver/store.py's STORE, keyed by
the frozen Model(s) they were built from.
"""
from .run import SmtEngine

__all__ = ["SmtEngine"]
