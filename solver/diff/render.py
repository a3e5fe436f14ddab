"""A comparison for people and for CI: the exit status, regions as the spec writes conditions,
text and JSON reports.
"""
from __future__ import annotations

import json
from typing import Sequence

from ... import ir
from ...ir.values import non_default, render_value
from ..eval import eval_expr
from ..explain import render_expr
from ..results import Instance, Proof, Unknown
from ..smt.minimize import constant_value
from ..transaction import complete, to_json as tx_json, value_to_json
from .product import LEFT, RIGHT, SIDES, Change, Pair, all_of, rewrite
from .regions import DiffResult, Region

# --------------------------------------------------------------------------- reports

EXIT_SAME, EXIT_DIFFER, EXIT_UNKNOWN = 0, 1, 3


def exit_status(result: DiffResult) -> int:
    """diff(1)'s convention: 0 same, 1 different, 3 not decided. With checks, only they count:
    0 no forbidden change (proved), 1 one exists."""
    if result.checks:
        if any(isinstance(c.result, Instance) for c in result.checks):
            return EXIT_DIFFER
        if all(isinstance(c.result, Proof) for c in result.checks):
            return EXIT_SAME
        return EXIT_UNKNOWN
    if result.equivalent is True and result.complete:
        return EXIT_SAME
    if result.equivalent is False:
        return EXIT_DIFFER
    return EXIT_UNKNOWN


def provisions_deciding(model: ir.Model, fired: frozenset[str], change: Change) -> list[ir.Rule]:
    """The fired rules of one side that conclude the changed field (slot)."""
    out = []
    for r in model.rules.values():
        if r.name in fired and any(c.outcome == change.field and (change.slot is None or c.slot == change.slot)
                                   for c in r.conclusions):
            out.append(r)
    return out


_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def _tidy(literals: Sequence[ir.Expr]) -> list[ir.Expr]:
    """The same conjunction, shorter: `x != a and x != b` → `x not in {a, b}`, and no `x != b`
    beside an `x == a`."""
    def unequal(e):
        if isinstance(e, ir.Not) and isinstance(e.arg, ir.Cmp) and e.arg.op == "==":
            e = ir.Cmp("!=", e.arg.left, e.arg.right)
        if isinstance(e, ir.Cmp) and e.op == "!=" and isinstance(e.right, ir.Lit) \
                and e.right.value is not None and not isinstance(e.right.value, frozenset):
            return e
        return None
    equal = {e.left for e in literals if isinstance(e, ir.Cmp) and e.op == "==" and isinstance(e.right, ir.Lit)}
    grouped: dict[ir.Expr, list[ir.Lit]] = {}
    slots: list[ir.Expr | None] = []        # None: where a group of `!=` goes (its first place)
    order: list[ir.Expr] = []
    for e in literals:
        u = unequal(e)
        if u is None:
            slots.append(e)
        elif u.left not in equal:
            if u.left not in grouped:
                grouped[u.left] = []
                order.append(u.left)
                slots.append(None)
            grouped[u.left].append(u.right)
    groups = iter(order)
    out = []
    for e in slots:
        if e is not None:
            out.append(e)
            continue
        x = next(groups)
        lits = grouped[x]
        out.append(ir.Cmp("!=", x, lits[0]) if len(lits) == 1 else
                   ir.Not(ir.InSet(x, ir.Lit(frozenset(v.value for v in lits), lits[0].type))))
    return out


def render_condition(e: ir.Expr, agreed: set[str] = frozenset()) -> str:
    """A region's condition as the spec writes it; a field or definition (`agreed`) both sides
    decide alike is named plainly, a definition that differs between the sides says whose it is."""

    def plain(x):
        if isinstance(x, ir.And) and len(x.args) == 2 and \
                rewrite(x.args[0], lambda y: ir.OutcomeRef(f"{RIGHT}.{y.name[len(LEFT) + 1:]}", y.type)
                        if isinstance(y, ir.OutcomeRef) else None) == x.args[1]:
            # an agreement atom: one condition on a field, read on both sides
            both = lambda y: ir.OutcomeRef(f"{y.name[len(LEFT) + 1:]} (both sides)", y.type) \
                if isinstance(y, ir.OutcomeRef) else None   # noqa: E731
            return rewrite(x.args[0], both)
        if isinstance(x, ir.OutcomeRef) and x.name.startswith(f"{LEFT}."):
            return ir.OutcomeRef(x.name[len(LEFT) + 1:], x.type)
        if isinstance(x, ir.DefRef) and x.name.split(".", 1)[0] in SIDES:
            side, name = x.name.split(".", 1)
            return ir.DefRef(name if name in agreed else f"{name} ({side})", x.type)
        if isinstance(x, ir.InGroup):
            group = x.group
            if group.split(".", 1)[0] in SIDES:
                side, name = group.split(".", 1)
                group = f"{name} ({side})"
            if isinstance(x.date, ir.Lit):    # a side's fixed date
                group = f"{group} on {x.date.value.isoformat()}"
            return ir.InGroup(rewrite(x.country, plain), group, x.date)
        if isinstance(x, (ir.Arith, ir.MinMax)) and (number := constant_value(x, {})) is not None:
            return ir.Lit(number, ir.Num())       # a threshold as one number
        if isinstance(x, ir.Not) and isinstance(x.arg, ir.Cmp):
            return rewrite(ir.Cmp(_NEGATED[x.arg.op], x.arg.left, x.arg.right), plain)
        return None
    if isinstance(e, ir.And):
        e = all_of(_tidy(e.args))
    return render_expr(rewrite(e, plain))


def _change_json(c: Change, side: str):
    v = c.left if side == LEFT else c.right
    if c.slot is not None:
        return {"has" if v else "lacks": c.slot}
    return value_to_json(v)


def _side_values(changes: list[Change], side: str) -> dict:
    out: dict = {}
    for c in changes:
        v = _change_json(c, side)
        if c.slot is None:
            out[c.field] = v
        else:
            slot = out.setdefault(c.field, {})
            for k, x in v.items():
                slot.setdefault(k, []).append(x)
    return out


def _change_text(c: Change) -> str:
    if c.slot is not None:
        return f"{c.field}: {'has' if c.left else 'lacks'} {c.slot} → {'has' if c.right else 'lacks'} {c.slot}"
    return f"{c.field}: {render_value(c.left)} → {render_value(c.right)}"


def countries_of(p: Pair, region: Region, most: int = 8) -> dict[str, list[str]]:
    """For each country input the region's condition reads on its own (no other input, no
    definition), the countries that satisfy it, when there are at most `most`."""
    spec = p.product.spec
    out: dict[str, list[str]] = {}
    for path, decl in spec.inputs.items():
        if not isinstance(decl.type, ir.Country):
            continue
        own = [e for e in region.literals if _reads_only(e, path)]
        if not own:
            continue
        cond = all_of(own)
        fits = [code for code in spec.countries
                if eval_expr(p.product, complete(spec, {path: code}), cond)]
        if len(fits) <= most:
            out[path] = fits
    return out


def _reads_only(e: ir.Expr, path: str) -> bool:
    reads = {x.path for x in e.walk() if isinstance(x, ir.InputRef)}
    return reads == {path} and not any(isinstance(x, (ir.DefRef, ir.OutcomeRef, ir.RuleApplies, ir.RuleFires))
                                       for x in e.walk())


def _key_text(key: tuple[str, str | None]) -> str:
    return key[0] if key[1] is None else f"{key[0]} {key[1]}"


def _deciders(p: Pair, region: Region, side: str) -> dict[str, list[dict]]:
    fired = region.left_fired if side == LEFT else region.right_fired
    out: dict[str, list[dict]] = {}
    for c in region.changes:
        out[_key_text((c.field, c.slot))] = [{"rule": r.name, "title": r.title, "cite": r.cite}
                    for r in provisions_deciding(p.side(side), fired, c)]
    return out


def _witness_json(p: Pair, inst: Instance) -> dict:
    spec = p.left.spec
    return tx_json(spec, non_default(spec, complete(spec, inst.transaction)))


def to_json(result: DiffResult) -> dict:
    """{"equivalent", "complete", "regions": [{"condition", "fields", "witness", "left", "right"}]}
    and what a CI job needs besides (sides, checks, uncovered witness, the clingo cross-check)."""
    p = result.pair
    regions = []
    for r in result.regions:
        regions.append({
            "condition": render_condition(r.condition, p.agreed), "fields": r.fields,
            "witness": _witness_json(p, r.witness),
            "left": _side_values(r.changes, LEFT), "right": _side_values(r.changes, RIGHT),
            "witness_outcomes": {
                side: {f: value_to_json(outs[f]) for f in r.fields}
                for side, outs in ((LEFT, r.left_outcomes), (RIGHT, r.right_outcomes))},
            "decided_by": {side: _deciders(p, r, side) for side in SIDES},
            "may_also_change": [_key_text(k) for k in r.may_also_change],
            "countries": countries_of(p, r),
        })
    checks = []
    for c in result.checks:
        entry = {"check": f"--{c.kind} {c.field}" + (f"={c.value}" if c.value is not None else ""),
                 "result": "found" if isinstance(c.result, Instance) else
                 "none (proved)" if isinstance(c.result, Proof) else "unknown"}
        if isinstance(c.result, Instance):
            entry["witness"] = _witness_json(p, c.result)
            entry["left"] = _side_values(c.changes, LEFT)
            entry["right"] = _side_values(c.changes, RIGHT)
        elif isinstance(c.result, Unknown):
            entry["reason"] = c.result.reason
        else:
            entry["cross_check"] = c.cross_check or None
        checks.append(entry)
    return {
        "left": _describe_side(result, LEFT), "right": _describe_side(result, RIGHT),
        "equivalent": result.equivalent is True and result.complete,
        "complete": result.complete,
        "unknown": result.equivalent is None,
        "regions": regions,
        "uncovered": None if result.uncovered is None else _witness_json(p, result.uncovered),
        "reason": result.reason or None,
        "cross_check": result.cross_check or None,
        "fields_on_one_side_only": p.one_sided,
        "checks": checks,
        "seconds": round(result.seconds, 3),
    }


def _describe_side(result: DiffResult, side: str) -> str:
    return result.sides[0 if side == LEFT else 1].describe()


def to_text(result: DiffResult) -> str:
    """The comparison for people: verdict, regions with deciding provisions and witnesses, checks."""
    p = result.pair
    lines = [f"left:  {_describe_side(result, LEFT)}", f"right: {_describe_side(result, RIGHT)}"]
    proof = "proved by z3" + (f"; {result.cross_check}" if result.cross_check else "")
    if result.equivalent is True and result.complete:
        lines.append(f"Equivalent: every outcome is the same on both sides for every transaction — {proof}.")
    elif result.equivalent is None:
        lines.append(f"Unknown: the solver could not decide whether the sides differ ({result.reason}). "
                     "Nothing is proved; try a longer --timeout.")
    else:
        n = len(result.regions)
        cover = (f"the regions cover every differing transaction — {proof}" if result.complete
                 else f"NOT complete: {result.reason}")
        lines.append(f"The sides differ: {n} region{'s' if n != 1 else ''}; {cover}." if n else
                     f"The sides differ (the witness below shows it), but no region was found: "
                     f"{result.reason}.")
    for c in result.checks:
        name = f"--{c.kind} {c.field}" + (f"={c.value}" if c.value is not None else "")
        if isinstance(c.result, Instance):
            lines.append(f"{name}: FAILS — a transaction {'gains' if c.kind == 'no-new' else 'loses'} it:")
            lines += [f"  {_change_text(x)}" for x in c.changes]
            lines.append("  witness: " + json.dumps(_witness_json(p, c.result), ensure_ascii=False))
        elif isinstance(c.result, Proof):
            lines.append(f"{name}: holds — no transaction {'gains' if c.kind == 'no-new' else 'loses'} it "
                         f"(proved by z3{'; ' + c.cross_check if c.cross_check else ''})")
        else:
            lines.append(f"{name}: unknown ({c.result.reason if c.result else 'not run'})")
    if len(result.regions) > 1:
        lines.append("what changes, by region:")
        where: dict[str, list[int]] = {}
        for i, r in enumerate(result.regions, 1):
            for c in r.changes:
                where.setdefault(_change_text(c), []).append(i)
        lines += [f"  {text} — region{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"
                  for text, ids in where.items()]
    for i, r in enumerate(result.regions, 1):
        lines.append("")
        lines.append(f"region {i}: {render_condition(r.condition, p.agreed)}")
        for path, codes in countries_of(p, r).items():
            lines.append(f"  ({path}: {', '.join(codes) if codes else 'no country'})")
        for c in r.changes:
            lines.append(f"  {_change_text(c)}")
        for side in SIDES:
            for key, rules in _deciders(p, r, side).items():
                who = "; ".join(f"{x['title']} [{x['cite']}]" for x in rules) or \
                    "no provision concludes it (the default)"
                lines.append(f"  {side:5} {key}: {who}")
        if r.may_also_change:
            lines.append("  may also change (on part of the region): "
                         + ", ".join(_key_text(k) for k in r.may_also_change))
        lines.append("  witness: " + json.dumps(_witness_json(p, r.witness), ensure_ascii=False))
    if result.uncovered is not None:
        lines.append("")
        lines.append("not covered by any region, e.g.: "
                     + json.dumps(_witness_json(p, result.uncovered), ensure_ascii=False))
    if p.one_sided:
        lines.append("")
        lines.append("outcomes declared on one side only (not compared): " + ", ".join(p.one_sided))
    return "\n".join(lines)
