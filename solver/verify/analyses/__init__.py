"""Built-in analyses of a model (DMN verification vocabulary), one module each.

Every analysis is a module with a `KIND` (its name) and a function `run(ctx) -> list[Finding]`
written on the proof primitives only (`ctx.satisfiable`, `ctx.implies`; context.py), so it never
depends on which solver answers and knows nothing about what the spec's names mean:

- vacuous    a property `always P implies Q` whose premise P no transaction satisfies
- conflict   two rules can fire together and conclude different values for one slot
- gap        an outcome decided under a boolean outcome can stay undecided while it holds
- dead       a rule that no transaction makes fire
- shadowed   a rule that, whenever it applies, is defeated by a rule overriding it

`ANALYSES` is the one list of them, in the order they run and are reported: `verify`'s run, the
command line's choices, the JUnit suites and the JSON all derive from it.

>>> [a.KIND for a in ANALYSES]
['vacuous', 'conflict', 'gap', 'dead', 'shadowed']
"""
from __future__ import annotations

from . import conflict, dead, gap, shadowed, vacuous

ANALYSES = (vacuous, conflict, gap, dead, shadowed)


def names() -> tuple[str, ...]:
    """The analyses' names (KIND), in `ANALYSES` order."""
    return tuple(a.KIND for a in ANALYSES)
