"""The clingo (answer set programming) engine.

- schema.py      every predicate the programs use, as a typed class; statements; rendering;
                 reading answer sets back by type
- compile.py     a Model to rules over transaction ids (the determination rules)
- program.py     the one program builder (a clingo Control fed typed statements), the
                 determination programs and the set cover of test generation
- search.py      the search program: inputs guessed, fewest off their defaults
- concretise.py  a search's answer set back to a concrete transaction
- engine.py      `AspEngine`: run / run_batch / valid / satisfiable
- numeric.py     the numeric abstraction (comparisons of quantities as boolean atoms), with
                 polynomial.py (exact arithmetic), feasible.py (z3: feasible combinations of
                 atoms) and free.py (atoms guessed on their own)
"""
from .compile import AspError
from .engine import AspEngine

__all__ = ["AspEngine", "AspError"]
