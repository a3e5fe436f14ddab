"""An answer set of the search turned back into a concrete transaction: countries from their
classes' members, numbers from the component witnesses and the free atoms' values."""
from __future__ import annotations

from typing import Iterable

import clingo

from ...ir import Country, Value
from ..results import Instance
from ..transaction import complete
from .compile import AspCompiler
from .polynomial import from_number
from .schema import Atom_, Ceq, Combo, Inp, read


def instance(comp: AspCompiler, symbols: Iterable[clingo.Symbol], variables: frozenset[int],
             pairs_read: frozenset[int], engine: str) -> Instance | None:
    """The transaction (and free parameters) of an answer set, reading only the finite variables
    and country pairs the query guessed; None where no concrete witness exists."""
    model = comp.model
    names = {i: name for name, i in comp.finite_vars.items()}
    pairs = {key: k for key, k in comp.country_pairs.items() if k in pairs_read}
    chosen: dict[str, int] = {}
    combos: dict[int, int] = {}
    same: set[int] = set()
    true_atoms: set[int] = set()
    for atom in read(symbols, Atom_, Inp, Combo, Ceq):
        if type(atom) is Atom_:
            true_atoms.add(atom.atom)
        elif type(atom) is Inp:
            if atom.var in variables:
                chosen[names[atom.var]] = atom.value
        elif type(atom) is Combo:
            combos[atom.component] = atom.index
        elif atom.pair in pairs_read:
            same.add(atom.pair)
    given: dict[str, Value] = {}
    params: dict[str, Value] = {}
    # countries: representatives, distinct members where a pair must differ
    countries = _countries(comp, chosen, same, pairs)
    if countries is None:
        return None
    for name, vid in chosen.items():
        kind, key = name.split(":", 1)
        t = comp.finite_types[name]
        value = countries[key] if isinstance(t, Country) else comp.value_of[vid]
        (given if kind == "input" else params)[key] = value
    for c in comp.abs.components():
        combo = c.combinations[combos[c.id]]
        if combo.witness is None:
            return None
        for var, number in combo.witness.items():
            v = comp.abs.variables[var]
            (given if v.is_input else params)[v.key] = from_number(number, v.type)
    frees = comp.abs.free_atoms()
    if frees:
        # each free atom's variable, from the others' final values (no input's default
        # names it, so completing again changes nothing else)
        tx = complete(model.spec, given)
        vals = comp.abs.values(tx, {**model.params, **params})
        for f in frees:
            number = comp.abs.free_value(f, f.atom in true_atoms, vals)
            if number is None:
                return None
            v = comp.abs.variables[f.var]
            (given if v.is_input else params)[v.key] = from_number(number, v.type)
    tx = complete(model.spec, given)
    free = {k: params.get(k, model.params[k]) for k in sorted(model.free_params)}
    return Instance(transaction=tx, params=free, engine=engine)


def _countries(comp: AspCompiler, chosen: dict[str, int], same: set[int],
               pairs: dict[tuple[str, str], int]) -> dict[str, str] | None:
    roles = {name.split(":", 1)[1]: cls for name, cls in chosen.items()
             if isinstance(comp.finite_types[name], Country)}
    parent = {r: r for r in roles}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x
    for (a, b), k in pairs.items():
        if k in same:
            parent[find(a)] = find(b)
    out: dict[str, str] = {}
    used: dict[int, list[str]] = {}
    for role in sorted(roles, key=lambda r: (find(r) != r, r)):
        root = find(role)
        if root in out:
            out[role] = out[root]
            continue
        cls = roles[role]
        # the representative first; another member only if a pair says "different"
        members = [comp.classes.representative(cls)] + sorted(comp.classes.classes[cls] -
                                                              {comp.classes.representative(cls)})
        taken = used.setdefault(cls, [])
        pick = next((m for m in members if m not in taken or not _must_differ(
            pairs, role, out, m, same)), None)
        if pick is None:
            return None
        taken.append(pick)
        out[root] = out[role] = pick
    return out


def _must_differ(pairs, role, assigned, code, same) -> bool:
    for (a, b), k in pairs.items():
        if k in same:
            continue
        other = b if a == role else a if b == role else None
        if other is not None and assigned.get(other) == code:
            return True
    return False
