import datetime

from earl import ir
from earl.solver.countries import CountryClasses

from test_smt_specs import D, CTRY, base_spec, diffusion_spec, lit, inp, rule, setv


def test_classes_partition_and_split_by_dated_membership():
    spec = base_spec()   # no rules: only the default destination "FR" is named
    cc = CountryClasses.of(spec)
    all_codes = set().union(*cc.classes)
    assert all_codes == set(spec.countries)
    assert sum(len(c) for c in cc.classes) == len(spec.countries)
    # D1 ∩ D5 countries without dates share a class
    assert cc.class_of("CN") == cc.class_of("RU") == cc.class_of("IR") == cc.class_of("BY")
    assert cc.class_of("AF") != cc.class_of("CN")            # D5 only vs D1+D5
    # KH (until 2026-02-03) and NI (from 2024-03-14) differ from AF (always D5) and each other
    assert len({cc.class_of("AF"), cc.class_of("KH"), cc.class_of("NI")}) == 3
    # A5 members together, except FR which is named (default of an input)
    assert cc.class_of("DE") == cc.class_of("JP") == cc.class_of("US")
    assert cc.classes[cc.class_of("FR")] == frozenset({"FR"})
    assert cc.class_of("MO") != cc.class_of("DE")


def test_named_countries_get_singletons_and_representatives():
    spec = diffusion_spec()   # names "MO"
    cc = CountryClasses.of(spec)
    assert cc.classes[cc.class_of("MO")] == frozenset({"MO"})
    i = cc.class_of("CN")
    assert cc.representative(i) == "BY"                       # alphabetical first
    assert cc.representative(cc.class_of("FR")) == "FR"
    # deterministic order: classes sorted by representative
    reps = [cc.representative(i) for i in range(len(cc))]
    assert reps == sorted(reps)
    model = ir.resolve(spec)
    assert CountryClasses.of(model) is CountryClasses.of(model)   # built once per model
    assert CountryClasses.of(model).classes == cc.classes


def test_membership_intervals_and_derived_groups():
    cc = CountryClasses.of(diffusion_spec())
    kh, ni, af, cn, de = (cc.class_of(c) for c in ("KH", "NI", "AF", "CN", "DE"))
    assert cc.membership_intervals(kh, "D5") == ((None, D(2026, 2, 3)),)
    assert cc.membership_intervals(ni, "D5") == ((D(2024, 3, 14), None),)
    assert cc.membership_intervals(af, "D5") == ((None, None),)
    assert cc.membership_intervals(de, "D5") == ()
    assert cc.member_in_group(kh, "D5", D(2026, 2, 2))
    assert not cc.member_in_group(kh, "D5", D(2026, 2, 3))
    assert not cc.member_in_group(ni, "D5", D(2024, 3, 13))
    assert cc.member_in_group(ni, "D5", D(2024, 3, 14))
    # HR = (D1 | D5) - A5: derived membership, with dates carried through
    assert cc.member_in_group(cn, "HR", D(2020, 1, 1))
    assert cc.membership_intervals(kh, "HR") == ((None, D(2026, 2, 3)),)
    assert not cc.member_in_group(de, "HR", D(2025, 1, 1))
    assert cc.boundary_dates() == (D(2024, 3, 14), D(2026, 2, 3))


def test_dated_member_named_in_rule_is_singleton():
    r = rule("r", [ir.Cmp("==", inp("destination"), lit("KH", CTRY))], [setv("license_required", True)])
    cc = CountryClasses.of(base_spec(rules=[r]))
    assert cc.classes[cc.class_of("KH")] == frozenset({"KH"})


def test_joint_classes_refine_both_specs():
    a = base_spec()
    b = base_spec()
    b.groups["A5"] = ir.Group("A5", "A:5", "cite", members=(ir.Membership("DE"), ir.Membership("JP")))
    ca, cb = CountryClasses.of(a), CountryClasses.of(b)
    assert ca.class_of("US") == ca.class_of("DE") and cb.class_of("US") != cb.class_of("DE")
    j = CountryClasses.joint(a, b)
    assert j.class_of("US") != j.class_of("DE") and j.class_of("JP") == j.class_of("DE")
    i = j.class_of("US")
    assert j.intervals_for(a, "A5", i) == ((None, None),) and j.intervals_for(b, "A5", i) == ()
    ma, mb = ir.resolve(a), ir.resolve(b)
    assert CountryClasses.joint(ma, mb) is CountryClasses.joint(ma, mb)
    assert CountryClasses.joint(ma, mb).classes == j.classes


def test_refined_splits_named_codes_and_keeps_each_class_adjacent():
    spec = base_spec()
    cc = CountryClasses.of(spec)
    assert cc.refined([]) is cc and cc.refined(["FR"]) is cc      # FR is already a class of its own
    fine = cc.refined(["US", "JP"])
    assert fine is cc.refined(["JP", "US"])                       # cached per set of codes
    assert fine.classes[fine.class_of("US")] == frozenset({"US"})
    assert fine.classes[fine.class_of("JP")] == frozenset({"JP"})
    assert fine.classes[fine.class_of("DE")] == frozenset({"DE"})  # the rest of {DE, JP, US}
    # the pieces of {DE, JP, US} are adjacent indices, its representative first
    assert [fine.representative(fine.class_of(c)) for c in ("DE", "JP", "US")] == ["DE", "JP", "US"]
    assert [fine.class_of(c) for c in ("DE", "JP", "US")] == [fine.class_of("DE") + k for k in range(3)]
    # every piece keeps its class's memberships
    for code in spec.countries:
        for g in spec.groups:
            assert fine.membership_intervals(fine.class_of(code), g) == \
                cc.membership_intervals(cc.class_of(code), g), (code, g)


def test_every_country_refinement_is_exact_and_ordered_by_class():
    cc = CountryClasses.of(diffusion_spec())
    exact = cc.refined(cc.spec.countries)
    assert exact.classes == [frozenset({c}) for c in cc.order()]
    assert len(exact) == len(cc.spec.countries)
    assert [exact.representative(i) for i in range(len(exact))] == cc.order()
