"""Hand-built IR specs shared by the z3/proof/minimize/unknowns/find tests (no tests here).

Small, export-control-flavoured specs built directly as IR objects, so these tests do not depend
on the parser or on the shipped spec.
"""
from __future__ import annotations

import datetime
from fractions import Fraction as F

from earl import ir

D = datetime.date
BOOL, NUM, INT, DATE, CTRY = ir.Bool(), ir.Num(), ir.Num(integer=True), ir.Date(), ir.Country()


def lit(v, t):
    return ir.Lit(v, t)


def num(x):
    return ir.Lit(F(x), NUM)


# the types of the names the hand-built specs below declare (references carry their type)
TYPES = {
    "date": DATE, "destination": CTRY, "end_user.hq": CTRY, "activity": ir.Enum("Activity"),
    "item.eccn": ir.Enum("Eccn", True), "item.tpp": NUM, "item.quantity": INT, "item.ops": NUM,
    "direct": BOOL, "exceptions": ir.SetOf("Exception"), "license_required": BOOL,
    "eccn": ir.Enum("Eccn", True), "lpp_ceiling": NUM, "note2": NUM, "total_tpp": NUM,
    "model_controlled": BOOL, "hq_d5_macau": BOOL,
}


def inp(p, t=None):
    return ir.InputRef(p, t or TYPES[p])


def out(name, t=None):
    return ir.OutcomeRef(name, t or TYPES[name])


def par(name, t=None):
    return ir.ParamRef(name, t or TYPES[name])


def dref(name, t=None):
    return ir.DefRef(name, t or TYPES[name])


def cmp(op, a, b):
    return ir.Cmp(op, a, b)


COUNTRIES = {c: ir.CountryInfo(c, c) for c in
             ["AF", "BY", "CN", "FR", "DE", "KH", "MO", "NI", "US", "JP", "RU", "IR"]}


def groups():
    return {
        "D5": ir.Group("D5", "D:5", "cite", members=(
            ir.Membership("AF"), ir.Membership("BY"), ir.Membership("CN"), ir.Membership("RU"),
            ir.Membership("IR"),
            ir.Membership("KH", until=D(2026, 2, 3)),
            ir.Membership("NI", since=D(2024, 3, 14)))),
        "A5": ir.Group("A5", "A:5", "cite", members=(
            ir.Membership("FR"), ir.Membership("DE"), ir.Membership("JP"), ir.Membership("US"))),
        "D1": ir.Group("D1", "D:1", "cite", members=(
            ir.Membership("CN"), ir.Membership("RU"), ir.Membership("IR"), ir.Membership("BY"))),
        "HR": ir.Group("HR", "restricted", "cite",
                       definition=ir.GroupDiff(ir.GroupUnion((ir.GroupName("D1"), ir.GroupName("D5"))),
                                               ir.GroupName("A5"))),
    }


def base_spec(*, rules=(), defs=None, outcomes=None, inputs=None, params=None, properties=None,
              readings=None, enums=None) -> ir.Spec:
    enums = enums or {"Exception": ir.EnumDecl("Exception", ("AIA", "LPP")),
                      "Activity": ir.EnumDecl("Activity", ("export", "reexport", "transfer")),
                      "Eccn": ir.EnumDecl("Eccn", ("4E091", "3A090.a", "EAR99"))}
    inputs = inputs if inputs is not None else {
        "date": ir.InputDecl("date", DATE, lit(D(2025, 5, 15), DATE)),
        "destination": ir.InputDecl("destination", CTRY, lit("FR", CTRY)),
        "end_user.hq": ir.InputDecl("end_user.hq", CTRY, inp("destination")),
        "activity": ir.InputDecl("activity", ir.Enum("Activity"), lit("export", ir.Enum("Activity"))),
        "item.eccn": ir.InputDecl("item.eccn", ir.Enum("Eccn", True), lit(None, ir.Enum("Eccn", True))),
        "item.tpp": ir.InputDecl("item.tpp", NUM, num(0), minimum=F(0)),
        "item.quantity": ir.InputDecl("item.quantity", INT, num(1), minimum=F(0)),
        "item.ops": ir.InputDecl("item.ops", NUM, num(0), minimum=F(0)),
        "direct": ir.InputDecl("direct", BOOL, lit(True, BOOL)),
    }
    outcomes = outcomes if outcomes is not None else {
        "exceptions": ir.OutcomeDecl("exceptions", ir.SetOf("Exception"), lit(frozenset(), ir.SetOf("Exception"))),
        "license_required": ir.OutcomeDecl("license_required", BOOL, lit(False, BOOL)),
        "eccn": ir.OutcomeDecl("eccn", ir.Enum("Eccn", True), lit(None, ir.Enum("Eccn", True))),
    }
    params = params if params is not None else {
        "lpp_ceiling": ir.ParamDecl("lpp_ceiling", NUM, num(26_900_000), minimum=F(0)),
        "note2": ir.ParamDecl("note2", NUM, num(10 ** 26), by_reading={"summary": num(10 ** 25)}, minimum=F(0)),
    }
    return ir.Spec(
        enums=enums, countries=dict(COUNTRIES), groups=groups(),
        readings=readings or {"regulation": ir.Reading("regulation", "", True),
                              "summary": ir.Reading("summary", "", False)},
        inputs=inputs, params=params, defs=_defdecls(defs or {}), outcomes=outcomes,
        rules={r.name: r for r in rules}, properties=properties or {}, examples={})


_DEF_TYPES = {}


def _defdecls(defs):
    """name -> DefDecl | Expr | (type, Expr) | (type, Expr, {reading: Expr})."""
    out = {}
    for n, d in defs.items():
        if isinstance(d, ir.DefDecl):
            out[n] = d
            continue
        if isinstance(d, tuple):
            t, body, *rest = d
            out[n] = ir.DefDecl(n, t, body, by_reading=rest[0] if rest else {})
        else:
            t = NUM if isinstance(d, (ir.Arith, ir.MinMax)) else BOOL
            out[n] = ir.DefDecl(n, t, d)
    return out


def rule(name, conds, concls, overrides=(), readings=frozenset()):
    return ir.Rule(name, name, f"cite {name}",
                   tuple(ir.Condition(c, f"label {name} {i}") for i, c in enumerate(conds)),
                   tuple(concls), overrides=tuple(overrides), readings=frozenset(readings))


def add(outcome, member):
    return ir.Conclusion(outcome, member, True)


def remove(outcome, member):
    return ir.Conclusion(outcome, member, False)


def setv(outcome, value):
    return ir.Conclusion(outcome, None, value)


def diffusion_spec() -> ir.Spec:
    """A toy with the shape of the real rule: an ECCN derivation, a licence requirement, two
    exceptions (one overridden for D:5 headquarters), numbers at 10^26 scale."""
    eccn_t = ir.Enum("Eccn", True)
    defs = {
        "total_tpp": ir.Arith("*", inp("item.tpp"), inp("item.quantity")),
        "model_controlled": cmp(">", inp("item.ops"), ir.MinMax("max", (num(F(25, 1) * 10 ** 24),
                                                                           ir.Arith("*", num(F(1, 4)), par("note2"))))),
        "hq_d5_macau": ir.Or((ir.InGroup(inp("end_user.hq"), "D5", inp("date")),
                              cmp("==", inp("end_user.hq"), lit("MO", CTRY)))),
    }
    rules = [
        rule("classify_4e091", [dref("model_controlled")], [setv("eccn", "4E091")]),
        rule("classify_3a090", [cmp(">=", inp("item.tpp"), num(4800))], [setv("eccn", "3A090.a")]),
        rule("stated_eccn", [cmp("!=", inp("item.eccn"), lit(None, eccn_t))], [setv("eccn", "EAR99")],
             overrides=["classify_3a090"]),
        rule("license", [ir.InSet(out("eccn"), lit(frozenset({"4E091", "3A090.a"}), ir.SetOf("Eccn"))),
                         ir.Not(ir.InGroup(inp("destination"), "A5", inp("date")))],
             [setv("license_required", True)]),
        rule("aia", [out("license_required"), ir.InGroup(inp("destination"), "A5", inp("date"))],
             [add("exceptions", "AIA")]),
        rule("lpp", [cmp("==", out("eccn"), lit("3A090.a", eccn_t)),
                     cmp("<=", dref("total_tpp"), par("lpp_ceiling")),
                     inp("direct")],
             [add("exceptions", "LPP")]),
        rule("no_exc_d5", [dref("hq_d5_macau")], [remove("exceptions", "LPP"), remove("exceptions", "AIA")],
             overrides=["lpp", "aia"]),
    ]
    return base_spec(rules=rules, defs=defs)
