"""The decision slice of the shipped spec written by hand as plain Python: the comparison point
for the evaluator ("how fast could a programmer make this by hand?").

This is the one place outside spec/ where rule content lives, and it exists only for this
benchmark. It computes, for the DEFAULT reading (regulation) with the parameters' default
values, the outcomes eccn, license_required, exceptions, policy and destination_tier of a
complete transaction (the dict the engines take: input path -> value, numbers as Fractions).
`python -m bench determinations` checks that it agrees with the evaluator on every sampled
transaction and reports any mismatch: when the spec changes, this file goes stale, visibly.
"""
from __future__ import annotations

import datetime
from fractions import Fraction

FIELDS = ("eccn", "license_required", "exceptions", "policy", "destination_tier")

# ------------------------------------------------------------------------------ country groups
SUPP5A = frozenset({"AU", "BE", "CA", "DK", "FI", "FR", "DE", "IE", "IT", "JP", "NL", "NZ", "NO",
                    "KR", "ES", "SE", "TW", "GB", "US"})
_D5 = frozenset({"AF", "BY", "MM", "CF", "CN", "CD", "CU", "ER", "HT", "IR", "IQ", "KP", "LB",
                 "LY", "RU", "SO", "SS", "SD", "SY", "VE", "ZW", "HK"})
_NI_FROM = datetime.date(2024, 3, 14)       # Nicaragua joins D:5
_KH_UNTIL = datetime.date(2026, 2, 3)       # Cambodia leaves D:5
_AE_SWITCH = datetime.date(2026, 7, 23)     # UAE: D:4 -> A:5 (and named for .b items)
_A5 = frozenset({"AR", "AU", "AT", "BE", "BG", "CA", "HR", "CZ", "DK", "EE", "FI", "FR", "DE",
                 "GR", "HU", "IS", "IN", "IE", "IT", "JP", "KR", "LV", "LT", "LU", "NL", "NZ",
                 "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "CH", "TR", "GB"})
_A6 = frozenset({"AL", "CY", "IL", "MT", "MX", "SG", "ZA", "TW"})
_D1 = frozenset({"AM", "AZ", "BY", "MM", "KH", "CN", "GE", "IQ", "KZ", "KP", "KG", "LA", "LY",
                 "MO", "MD", "MN", "NI", "RU", "TJ", "TM", "UZ", "VE", "VN", "YE", "HK"})
_D4 = frozenset({"BH", "BY", "CN", "EG", "IR", "IQ", "IL", "JO", "KP", "KW", "LB", "LY", "MO",
                 "OM", "PK", "QA", "RU", "SA", "SY", "VE", "YE", "HK"})
# (D1 | D4 | D5) - (A5 | A6) for every country whose membership never changes; NI and KH are
# in D:1 (always highly restricted); AE is highly restricted while in D:4.
_HR_STATIC = (_D1 | _D4 | _D5) - (_A5 | _A6)


def d5_or_macau(c: str, day: datetime.date) -> bool:
    return (c in _D5 or c == "MO" or (c == "NI" and day >= _NI_FROM)
            or (c == "KH" and day < _KH_UNTIL))


def highly_restricted(c: str, day: datetime.date) -> bool:
    if c == "AE":
        return day < _AE_SWITCH
    return c in _HR_STATIC


def b_item_destination(c: str, day: datetime.date) -> bool:
    return c == "AE" or highly_restricted(c, day)


# ------------------------------------------------------------------------------ constants
_4800, _1600, _2400 = Fraction(4800), Fraction(1600), Fraction(2400)
_592, _32, _16 = Fraction(592, 100), Fraction(32, 10), Fraction(16, 10)
_1E26 = Fraction(10 ** 26)
NOTE2_OPERATIONS = _1E26
_DERIVED_THRESHOLD = max(Fraction(25 * 10 ** 24), NOTE2_OPERATIONS / 4)
LPP_CEILING = Fraction(26_900_000)
_DESIGNER_DATE = datetime.date(2025, 1, 16)
_ITEM_ACTIVITIES = frozenset({"export", "reexport", "transfer"})
_RESTRICTED_ACTIVITIES = frozenset({"export", "reexport", "transfer", "deemed_export"})
_ACM_END_USES = frozenset({"development", "production", "storage"})
_EXPORT_REEXPORT = frozenset({"export", "reexport"})
_EMPTY = frozenset()


def classify(tx: dict) -> str | None:
    stated = tx["item.eccn"]
    kind = tx["item.kind"]
    if tx["item.published"] and (stated == "4E091" or (stated is None and kind == "model_weights")):
        return None                                  # 4E091 Note 1: published weights
    if stated is not None:
        return stated
    if kind == "model_weights":
        ops = tx["item.training_operations"]
        if ops < _1E26 or ops < NOTE2_OPERATIONS:
            return None
        if tx["item.derived_from_published"] and not tx["item.additional_operations"] > _DERIVED_THRESHOLD:
            return None
        return "4E091"
    if kind == "ic" or kind == "computer":
        tpp = tx["item.tpp"]
        pd = tx["item.performance_density"]
        if not tx["item.datacenter"] and tpp < _4800:
            return None                              # Note to 3A090.a/.b
        if tpp >= _4800 or (tpp >= _1600 and pd >= _592):
            return "3A090.a" if kind == "ic" else "4A090.a"
        if (_2400 <= tpp < _4800 and _16 <= pd < _592) or (tpp >= _1600 and _32 <= pd < _592):
            return "3A090.b" if kind == "ic" else "4A090.b"
    return None


def decide(tx: dict) -> dict:
    """eccn, license_required, exceptions, policy, destination_tier under the default reading."""
    eccn = classify(tx)
    day = tx["date"]
    dest = tx["destination"]
    hq = tx["end_user.hq"]
    parent = tx["end_user.ultimate_parent_hq"]
    activity = tx["activity"]
    kind = tx["item.kind"]

    a_item = eccn == "3A090.a" or eccn == "4A090.a"
    b_item = eccn == "3A090.b" or eccn == "4A090.b"
    chip = a_item or b_item
    weights = eccn == "4E091"
    foreign_dest = dest != "US"
    of_item = activity in _ITEM_ACTIVITIES
    dest_in_supp5 = dest in SUPP5A
    dest_d5m = d5_or_macau(dest, day)
    hq_d5m = d5_or_macau(hq, day) or d5_or_macau(parent, day)

    # part 734: subject to the EAR
    if tx["item.published"] and kind != "ic" and kind != "computer":
        subject = False
    else:
        foreign = tx["item.foreign_produced"]
        subject = (not foreign or (weights and tx["item.produced_with_ear_items"])
                   or (chip and tx["item.direct_product_of_us_technology"]))

    # licence requirements (742.6(a)(13), (a)(6)(iii)(A)-(B), 744.23(a)(3), deemed exports)
    licence = False
    if subject:
        if weights:
            licence = (activity in _RESTRICTED_ACTIVITIES and foreign_dest
                       and not (activity == "deemed_export"
                                and tx["end_user.permanent_regular_employee"]
                                and (hq in SUPP5A or parent in SUPP5A)))
        elif a_item:
            licence = of_item and foreign_dest
        elif b_item and of_item:
            licence = b_item_destination(dest, day) or (
                foreign_dest and hq_d5m and not highly_restricted(dest, day))

    # licence exceptions: AIA, ACM, LPP with the 740.2(a)(9)(ii) restriction
    exceptions = _EMPTY
    if licence:
        restricted = (weights or chip) and activity in _RESTRICTED_ACTIVITIES and (
            highly_restricted(dest, day) or hq_d5m)
        designer_ok = eccn != "3A090.a" or day < _DESIGNER_DATE or tx["item.approved_designer"]
        got = []
        if weights:
            aia_weights = (of_item and (hq in SUPP5A or parent in SUPP5A) and not dest_d5m
                           and tx["storage_compliant"])
            if aia_weights and (not restricted or hq in SUPP5A):  # 740.2(a)(9)(ii) carve-out
                got.append("AIA")
        elif chip:
            if (not restricted and a_item and of_item and dest_in_supp5 and hq in SUPP5A
                    and parent in SUPP5A and designer_ok and not tx["training_for_non_aia_entity"]
                    and tx["certified"]):
                got.append("AIA")
            if (not (dest_d5m or hq_d5m) and designer_ok and of_item
                    and tx["end_user.private_sector"] and tx["end_use"] in _ACM_END_USES
                    and tx["destined_outside_d5"] and tx["accounting_system"]):
                got.append("ACM")
            if (not restricted and a_item and activity in _EXPORT_REEXPORT
                    and tx["prior_lpp_tpp"] + tx["item.tpp"] * tx["item.quantity"] <= LPP_CEILING
                    and tx["direct_to_consignee"] and tx["certified"]):
                got.append("LPP")
        if got:
            exceptions = frozenset(got)

    # licence review policy (742.6(b)(10), 744.23(d))
    policy = None
    if licence:
        if weights:
            policy = "approval" if dest_in_supp5 and not hq_d5m else "denial"
        elif chip:
            if b_item and hq_d5m and not b_item_destination(dest, day):
                policy = "case_by_case"
            elif dest_d5m or hq_d5m:
                policy = "denial"
            elif dest_in_supp5:
                policy = "approval"
            elif a_item and tx["country_allocation_exhausted"]:
                policy = "denial"
            else:
                policy = "approval"

    tier = "aia" if dest_in_supp5 else "d5_macau" if dest_d5m else "other"
    return {"eccn": eccn, "license_required": licence, "exceptions": exceptions,
            "policy": policy, "destination_tier": tier}
