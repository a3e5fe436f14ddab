"""Free numeric atoms: atoms the search guesses on their own instead of enumerating them.

A free atom's variable occurs in it alone, linearly, and is unbounded above, so whatever the
other variables' values one of its truth values is always reachable and the other exactly when
the atom has it at the variable's smallest value. Copies of such atoms would otherwise multiply
a component's combinations.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from ...ir import Date
from .polynomial import NumAtom, Poly, Variable, ceil, const, decider, mono_value, padd, pconst


@dataclass(frozen=True)
class FreeAtom:
    """A numeric atom `c*var + rest op 0` (op `<` or `<=`) whose variable `var` occurs in no other
    atom, linearly, and is unbounded above. Whatever the other variables' values, growing `var`
    makes the atom `always`; the other truth value is reachable exactly when the atom has it at
    `var`'s smallest value: `reach` is then the auxiliary atom "the atom at var's smallest value"
    (numbered after the model's atoms), or a constant, or None when `var` is unbounded below (always
    reachable). `at_default` likewise is the atom at `var`'s default (None: no default): `var`
    stays at its default exactly when the atom's value equals it. So such an atom needs no
    enumeration: the search guesses it freely under that one condition, and `free_value` picks
    `var` afterwards."""
    atom: int
    var: str
    always: bool
    reach: "int | bool | None"          # an int (not bool): an auxiliary atom (aux_position)
    at_default: "int | bool | None"


def find_free(atoms: list[NumAtom], variables: Mapping[str, Variable], named: set[str]
              ) -> tuple[list[FreeAtom], list[NumAtom]]:
    """The free atoms among `atoms` and the auxiliary atoms their conditions read (ids after
    the atoms'). `named`: variables another input's default names (they move with it: never
    free)."""
    free: list[FreeAtom] = []
    aux_atoms: list[NumAtom] = []
    uses: dict[str, int] = {}
    for a in atoms:
        for v in a.vars:
            uses[v] = uses.get(v, 0) + 1
    aux_ids: dict[tuple[Poly, str], int] = {}

    def at(atom: NumAtom, var: str, value: Fraction) -> int | bool:
        p = tuple((m, c) for m, c in atom.poly if m != (var,))
        p = padd(p, pconst(value * dict(atom.poly)[(var,)]))
        c = const(p)
        if c is not None:
            return c < 0 if atom.op == "<" else c <= 0
        key = (p, atom.op)
        if key not in aux_ids:
            aux_ids[key] = len(aux_atoms)
            aux_atoms.append(NumAtom(len(atoms) + len(aux_atoms), p, atom.op,
                                     frozenset(v for mono, _ in p for v in mono)))
        return len(atoms) + aux_ids[key]
    for a in atoms:
        if a.op == "==":
            continue
        for var in sorted(a.vars):
            v = variables[var]
            coef = dict(a.poly).get((var,))
            if uses[var] != 1 or coef is None or var in named or isinstance(v.type, Date) \
                    or any(var in mono and mono != (var,) for mono, _ in a.poly):
                continue
            low = v.minimum
            if low is not None and v.is_integer:
                low = ceil(low)
            reach = None if low is None else at(a, var, low)
            at_default = None if v.default is None else at(a, var, v.default)
            free.append(FreeAtom(a.id, var, coef < 0, reach, at_default))
            break
    return free, aux_atoms


def free_value(atom: NumAtom, var: Variable, free: FreeAtom, truth: bool,
               vals: Mapping[str, Fraction]) -> Fraction | None:
    """A value of `free.var` giving the atom the value `truth` where the other variables
    have `vals` (its default where that does), checked exactly; None if there is none."""
    decide = decider(atom)
    if var.default is not None and decide({**vals, free.var: var.default}) == truth:
        return var.default
    coef = dict(atom.poly)[(free.var,)]
    rest = sum((c * mono_value(m, vals) for m, c in atom.poly if m != (free.var,)), Fraction(0))
    t = -rest / coef                          # the atom's boundary: var = t
    low = var.minimum
    if truth == free.always:                  # above the boundary
        cand = Fraction(t.numerator // t.denominator + 1)
        if low is not None and cand < low:
            cand = ceil(low) if var.is_integer else low
    elif low is not None:                     # the smallest value
        cand = ceil(low) if var.is_integer else low
    else:                                     # below the boundary
        cand = ceil(t) - 1
    return cand if decide({**vals, free.var: cand}) == truth else None
