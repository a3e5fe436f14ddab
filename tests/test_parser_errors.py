"""One test per kind of error: position (file:line:col), the caret line and the message."""
from __future__ import annotations

import re

import pytest

from earl.parser import SpecError, load_spec, parse_expression

BASE = '''\
reading r default
reading alt
countries iso3166 plus { "XK" "Kosovo" }
enum Color { "red", "green" }
input date : date = 2025-01-01
input c : country = "FR"
input color : Color = "red"
input maybe : Color? = none
input n : number = 0
outcome o : bool = false
outcome s : set of Color
group G "g" members { "FR" }
'''


def locate(text: str, needle: str, occurrence: int = 0, start: int = 0) -> tuple[int, int]:
    """1-based line and column of the `occurrence`-th `needle` in `text` from `start`."""
    idx = start - 1
    for _ in range(occurrence + 1):
        idx = text.index(needle, idx + 1)
    line = text.count("\n", 0, idx) + 1
    col = idx - (text.rfind("\n", 0, idx) + 1) + 1
    return line, col


def errors_of(tmp_path, extra: str, base: str = BASE) -> tuple[SpecError, str]:
    text = base + extra
    f = tmp_path / "t.earl"
    f.write_text(text)
    with pytest.raises(SpecError) as ei:
        load_spec(f)
    return ei.value, text


def expect_error(tmp_path, extra: str, needle: str, message: str, hint: str | None = None,
                 occurrence: int = 0, base: str = BASE):
    err, text = errors_of(tmp_path, extra, base)
    # needles are looked for in the added text, or in the whole text when nothing was added
    line, col = locate(text, needle, occurrence, start=len(base) if extra else 0)
    here = [d for d in err.errors if (d.pos.line, d.pos.column) == (line, col)]
    assert here, f"no error at {line}:{col}; got:\n{err.render()}"
    d = next((d for d in here if message in d.message), None)
    assert d is not None, f"no error {message!r} at {line}:{col}; got:\n{err.render()}"
    rendered = d.render().split("\n")
    assert re.fullmatch(rf".*t\.earl:{line}:{col}: error: .*", rendered[0]), rendered[0]
    assert message in rendered[0]
    assert rendered[1] == "    " + text.split("\n")[line - 1]
    assert rendered[2].rstrip("~").endswith("^")
    assert rendered[2].index("^") == 4 + col - 1
    if hint is not None:
        assert rendered[3] == f"hint: {hint}", d.render()
    # the whole report holds it too
    assert d.render() in err.render()
    return d


def test_base_is_valid(tmp_path):
    f = tmp_path / "t.earl"
    f.write_text(BASE)
    spec = load_spec(f)
    assert spec.default_reading == "r"


# ------------------------------------------------------------------------- syntax errors

def test_syntax_unclosed_paren_at_eof(tmp_path):
    d = expect_error(tmp_path, "def x : bool = (n > 1\n", "\n", "unexpected end of file; expected ')'")
    assert "')'" in d.message


def test_syntax_unexpected_token_says_what_was_expected(tmp_path):
    expect_error(tmp_path, "def x bool = true\n", "bool =", "unexpected name 'bool'; expected ':'")


def test_syntax_expression_expected(tmp_path):
    expect_error(tmp_path, "def x : bool = n >\n", "\n", "unexpected end of file; expected an expression")


def test_syntax_unterminated_string(tmp_path):
    expect_error(tmp_path, 'input z : Color = "red\n', '"red', "unterminated string",
                 hint='a string ends on the line it starts; to span lines, write adjacent strings "..." "..."')


def test_syntax_bad_character(tmp_path):
    expect_error(tmp_path, "def x : bool = n @ 2\n", "@", "unexpected character '@'")


def test_syntax_unquoted_member_hint(tmp_path):
    expect_error(tmp_path, "enum X { a, b }\n", "a, b", "unexpected name 'a'; expected '}' or a string",
                 hint='did you mean the string "a"?')


def test_syntax_missing_label_in_labelled_when(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" when n > 1 "l" and n < 3 then o = true\n', "then",
                 "unexpected 'then'; expected a string")


def test_several_syntax_errors_in_one_pass(tmp_path):
    err, text = errors_of(tmp_path, "def x : bool = n > 1)\ndef y : bool = n @ 2\ndef z : = 3\n")
    lines = sorted(d.pos.line for d in err.errors)
    assert lines == [13, 14, 15], err.render()


def test_invalid_date(tmp_path):
    expect_error(tmp_path, "input d2 : date = 2025-02-30\n", "2025-02-30", "'2025-02-30' is not a valid date")


def test_malformed_number(tmp_path):
    expect_error(tmp_path, "input m : number = 1__0\n", "1__0", "malformed number '1__0'")


# ------------------------------------------------------------------------- names

def test_undefined_name_with_did_you_mean(tmp_path):
    expect_error(tmp_path, 'def x : bool = colr == "red"\n', "colr", "undefined name 'colr'",
                 hint="did you mean 'color'?")


def test_undefined_name_that_is_a_code_suggests_quoting(tmp_path):
    expect_error(tmp_path, 'def x : bool = c == FR\n', "FR\n", "undefined name 'FR'",
                 hint='did you mean the string "FR"? (codes and enum members are quoted)')


def test_undefined_group(tmp_path):
    expect_error(tmp_path, "def x : bool = c in GG\n", "GG", "undefined name 'GG'", hint="did you mean 'G'?")


def test_duplicate_name(tmp_path):
    d = expect_error(tmp_path, "def o : bool = true\n", "o : bool = true", "duplicate name 'o'")
    assert "outcome 'o' is already declared at" in d.message


def test_duplicate_rule(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" then o = true\nrule a "b" cite "c" then o = false\n',
                 "a \"b\"", "duplicate rule 'a'")


def test_undefined_reading(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" only under rr then o = true\n', "rr", "undefined reading 'rr'",
                 hint="did you mean 'r'?")


def test_undefined_type(tmp_path):
    expect_error(tmp_path, "input k : Colour = \"red\"\n", "Colour", "undefined type 'Colour'",
                 hint="did you mean 'Color'?")


# ------------------------------------------------------------------------- types

def test_type_mismatch_in_comparison(tmp_path):
    expect_error(tmp_path, "def x : bool = n == color\n", "==", "the operands of '==' have different types: number and Color")


def test_type_mismatch_of_definition_body(tmp_path):
    expect_error(tmp_path, "def x : bool = n + 1\n", "n + 1", "the body of definition 'x' should be a bool, but it is a number")


def test_order_comparison_on_enum(tmp_path):
    expect_error(tmp_path, "def x : bool = color < color\n", "<", "'<' compares numbers or dates, not Color values")


def test_unknown_enum_member(tmp_path):
    expect_error(tmp_path, 'def x : bool = color == "rde"\n', '"rde"', '"rde" is not a member of enum Color',
                 hint="did you mean 'red'?")


def test_unknown_enum_member_in_set(tmp_path):
    expect_error(tmp_path, 'def x : bool = color in {"red", "blu"}\n', '"blu"', '"blu" is not a member of enum Color')


def test_unknown_country(tmp_path):
    expect_error(tmp_path, 'def x : bool = c == "FRA"\n', '"FRA"', '"FRA" is not a known country code',
                 hint="did you mean 'FR'?")


def test_country_by_name_suggests_code(tmp_path):
    expect_error(tmp_path, 'def x : bool = c == "France"\n', '"France"', "is not a known country code",
                 hint="did you mean 'FR' (France)?")


def test_unknown_country_in_group(tmp_path):
    expect_error(tmp_path, 'group H "h" members { "FR", "QQ" }\n', '"QQ"', '"QQ" is not a known country code')


def test_extra_country_is_known(tmp_path):
    f = tmp_path / "t.earl"
    f.write_text(BASE + 'def x : bool = c == "XK"\nrule a "a" cite "c" when x then o = true\n')
    spec = load_spec(f)
    assert spec.countries["XK"].name == "Kosovo"
    assert spec.countries["FR"].code == "FR"


def test_none_for_non_optional(tmp_path):
    expect_error(tmp_path, "def x : bool = color == none\n", "none\n", "should be a Color, but it is 'none'")


def test_string_without_context(tmp_path):
    expect_error(tmp_path, 'def x : bool = "red" == "red"\n', '"red" ==', "cannot tell the type")


def test_max_arity(tmp_path):
    expect_error(tmp_path, "def x : bool = n > max(1)\n", "max(1)", "max() takes at least two arguments, got 1")


def test_in_needs_group_set_or_set_outcome(tmp_path):
    expect_error(tmp_path, "def x : bool = color in n\n", "n\n", "the right operand of 'in' must be a country group")


def test_in_group_needs_country(tmp_path):
    expect_error(tmp_path, "def x : bool = n in G\n", "n in G", "should be a country, but it is a number")


# ------------------------------------------------------------------------- conclusions

def test_assign_to_set_outcome(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" then s = true\n', "s = true", "outcome 's' is a set",
                 hint='write e.g. s += "..."')


def test_add_to_scalar_outcome(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" then o += "red"\n', 'o += "red"', "'+=' adds or removes a member of a set outcome")


def test_conclusion_type(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" then o = 3\n', "3\n", "the value concluded for 'o' should be a bool")


def test_conclusion_on_non_outcome(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" then n = 3\n', "n = 3", "'n' is an input, not an outcome")


# ------------------------------------------------------------------------- rules, overrides, dependencies

def test_missing_cite(tmp_path):
    expect_error(tmp_path, 'rule a "a" when n > 1 then o = true\n', 'a "a"', "rule 'a' has no 'cite'")


def test_override_of_undefined_rule(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" overrides bb then o = true\nrule b "b" cite "c" then o = false\n',
                 "bb", "rule 'a' overrides undefined rule 'bb'")


def test_override_cycle(tmp_path):
    err, _ = errors_of(tmp_path, 'rule a "a" cite "x" overrides b then o = true\n'
                                 'rule b "b" cite "x" overrides a then o = false\n')
    expect_error(tmp_path, 'rule a "a" cite "x" overrides b then o = true\n'
                           'rule b "b" cite "x" overrides a then o = false\n', "b then", "circular overrides: a -> b -> a")
    assert len(err.errors) == 1, err.render()


def test_definition_cycle(tmp_path):
    expect_error(tmp_path, "def x : bool = y\ndef y : bool = x\n", "y\n", "circular dependency: def x -> def y -> def x")


def test_cycle_through_an_outcome_and_a_rule(tmp_path):
    expect_error(tmp_path, 'def x : bool = o\nrule a "a" cite "c" when x then o = true\n', "o\n",
                 "circular dependency: def x -> outcome o -> rule a -> def x")


def test_intended_kind(tmp_path):
    expect_error(tmp_path, 'rule a "a" cite "c" intended "shadow" then o = true\n', '"shadow"',
                 'unknown intended finding "shadow"', hint="did you mean 'shadowed'?")


# ------------------------------------------------------------------------- readings, countries, date

def test_missing_default_reading(tmp_path):
    expect_error(tmp_path, "", "r\n", "no default reading", base=BASE.replace("reading r default", "reading r"))


def test_two_default_readings(tmp_path):
    expect_error(tmp_path, "", "alt", "a second default reading 'alt'",
                 base=BASE.replace("reading alt", "reading alt default"))


def test_missing_countries(tmp_path):
    err, _ = errors_of(tmp_path, "", base=BASE.replace('countries iso3166 plus { "XK" "Kosovo" }\n', ""))
    assert any("no 'countries' declaration" in d.message for d in err.errors), err.render()


def test_two_countries_declarations(tmp_path):
    expect_error(tmp_path, "countries iso3166\n", "countries iso3166\n", "a second 'countries' declaration")


def test_unknown_country_source(tmp_path):
    expect_error(tmp_path, "", "iso316 ", "unknown country source 'iso316'", hint="did you mean 'iso3166'?",
                 base=BASE.replace("iso3166", "iso316 "))


def test_missing_date_input(tmp_path):
    err, _ = errors_of(tmp_path, "", base=BASE.replace("input date : date = 2025-01-01\n", ""))
    assert any("no input named 'date'" in d.message for d in err.errors), err.render()


def test_date_input_of_wrong_type(tmp_path):
    expect_error(tmp_path, "", "number = 5", "the input 'date' must have type date",
                 base=BASE.replace("input date : date = 2025-01-01", "input date : number = 5"))


# ------------------------------------------------------------------------- groups

def test_bad_date_range(tmp_path):
    expect_error(tmp_path, 'group H "h" members { "FR" from 2025-01-01 until 2024-01-01 }\n', "2024-01-01",
                 'the membership of "FR" ends (until 2024-01-01) before it begins (from 2025-01-01)')


def test_overlapping_member_listing(tmp_path):
    expect_error(tmp_path, 'group H "h" members { "FR" until 2025-01-01, "FR" from 2024-01-01 }\n',
                 '"FR" from', 'is listed twice in group H for overlapping dates')


def test_group_definition_names_unknown_group(tmp_path):
    expect_error(tmp_path, 'group H "h" = G | GX\n', "GX", "undefined group 'GX'", hint="did you mean 'G'?")


def test_group_cycle(tmp_path):
    expect_error(tmp_path, 'group H "h" = G | K\ngroup K "k" = H - G\n', "H - G", "circular group definition: H -> K -> H")


# ------------------------------------------------------------------------- inputs and params

def test_input_default_of_wrong_type(tmp_path):
    expect_error(tmp_path, 'input k : Color = "FR"\n', '"FR"', '"FR" is not a member of enum Color')


def test_input_default_other_input_of_wrong_type(tmp_path):
    expect_error(tmp_path, "input k : country = n\n", "n\n", "input 'k' has type country but its default, input 'n', has type number")


def test_input_default_cycle(tmp_path):
    expect_error(tmp_path, "input k : country = k2\ninput k2 : country = k\n", "k2\n",
                 "circular input defaults: k -> k2 -> k")


def test_min_on_non_number(tmp_path):
    expect_error(tmp_path, 'input k : Color = "red", min 0\n', "0\n", "'min' bounds numbers")


def test_param_under_unknown_reading_and_bad_literal(tmp_path):
    err, text = errors_of(tmp_path, "param p : number = 1\n  under alt = true\n  under nope = 2\n"
                                    "def x : bool = n > p\n")
    msgs = [d.message for d in err.errors]
    assert any("should be a number, but it is a bool" in m for m in msgs), err.render()
    assert any("undefined reading 'nope'" in m for m in msgs), err.render()


# ------------------------------------------------------------------------- properties and examples

def test_property_body_must_be_bool(tmp_path):
    expect_error(tmp_path, 'property p "p" always n\n', "n\n", "the body of property 'p' should be a bool")


def test_property_two_default_expectations(tmp_path):
    expect_error(tmp_path, 'property p "p" expect holds expect fails always true\n', "expect fails",
                 "property 'p' has two default expectations")


def test_example_names(tmp_path):
    err, text = errors_of(tmp_path, 'example e "e" given colour = "red", n = "x" expect o = 1, nope = true '
                                    'with p = 3\n')
    by_msg = {d.message: d for d in err.errors}
    assert "undefined input 'colour'" in by_msg, err.render()
    assert by_msg["undefined input 'colour'"].hint == "did you mean 'color'?"
    assert "the value of input 'n' should be a number, but it is the string \"x\"" in by_msg
    assert "the value of outcome 'o' should be a bool, but it is a number" in by_msg
    assert "undefined outcome 'nope'" in by_msg
    assert "undefined parameter 'p'" in by_msg


# ------------------------------------------------------------------------- several errors, warnings

def test_all_checker_errors_in_one_pass(tmp_path):
    err, _ = errors_of(tmp_path, 'def x : bool = colr\ndef y : bool = c == "ZZ"\nrule a "a" then o = 1\n')
    assert len(err.errors) == 4, err.render()  # colr, "ZZ", missing cite, 1 for a bool


def test_unused_definition_is_a_warning(tmp_path):
    from earl.parser import load_spec_with_warnings
    f = tmp_path / "t.earl"
    f.write_text(BASE + "def unused_thing : bool = n > 1\n")
    spec, warnings = load_spec_with_warnings(f)
    assert "unused_thing" in spec.defs
    assert [w.message for w in warnings] == ["definition 'unused_thing' is never used"]
    assert warnings[0].severity == "warning"
    assert ": warning: " in warnings[0].render()


def test_missing_path(tmp_path):
    with pytest.raises(SpecError) as ei:
        load_spec(tmp_path / "nope")
    assert "no such file or folder" in ei.value.render()


def test_empty_folder(tmp_path):
    with pytest.raises(SpecError) as ei:
        load_spec(tmp_path)
    assert "no .earl files found" in ei.value.render()


# ------------------------------------------------------------------------- conditions (parse_expression)

@pytest.fixture(scope="module")
def base_spec(tmp_path_factory):
    d = tmp_path_factory.mktemp("base")
    (d / "t.earl").write_text(BASE)
    return load_spec(d)


def test_condition_undefined_name(base_spec):
    with pytest.raises(SpecError) as ei:
        parse_expression(base_spec, 'colr == "red"')
    out = ei.value.render().split("\n")
    assert out[0] == "<condition>:1:1: error: undefined name 'colr'"
    assert out[1] == '    colr == "red"'
    assert out[2] == "    ^~~~"
    assert out[3] == "hint: did you mean 'color'?"


def test_condition_syntax_error(base_spec):
    with pytest.raises(SpecError) as ei:
        parse_expression(base_spec, "n > ")
    assert ei.value.render().startswith("<condition>:1:4: error: unexpected end of file; expected an expression")


def test_condition_must_be_bool(base_spec):
    with pytest.raises(SpecError) as ei:
        parse_expression(base_spec, "n + 1")
    assert "the condition should be a bool, but it is a number" in ei.value.render()


def test_integer_input_default_must_be_whole(tmp_path):
    expect_error(tmp_path, "input q : integer = 2.5\n", "2.5", "the default of input 'q' is an integer, but 2.5 is not a whole number")


def test_example_value_below_minimum(tmp_path):
    expect_error(tmp_path, 'input q : number = 1, min 0\nexample e "e" given q = -2\n', "-2",
                 "the value of input 'q', -2, is below its minimum 0")


def test_default_below_minimum(tmp_path):
    expect_error(tmp_path, "param p : number = 1, min 5\ndef x : bool = p > 1\n", "1, min", "the default 1 is below the minimum 5")


def test_deeply_nested_expressions_are_fine(tmp_path):
    f = tmp_path / "t.earl"
    f.write_text(BASE + "def x : bool = " + " and ".join(["n > 1"] * 3000) + "\n"
                 + 'rule a "a" cite "c" when x then o = true\n')
    spec = load_spec(f)
    assert len(spec.defs["x"].body.args) == 3000


def test_reserved_word_as_name(tmp_path):
    expect_error(tmp_path, "def true : bool = n > 1\n", "true", "'true' is a reserved word of the language and cannot name a def")


def test_nested_if_needs_parentheses_hint(tmp_path):
    expect_error(tmp_path, "def x : bool = o or if o then true else false\n", "o then",
                 "unexpected name 'o'", hint="inside an expression, write 'if ... then ... else ...' in parentheses")


# ---------------------------------------------------------------- in_force, notice, source, except under

def test_second_in_force_declaration(tmp_path):
    expect_error(tmp_path, 'in_force from 2025-01-01\nin_force from 2025-02-01\n', "in_force",
                 "a second 'in_force' declaration", occurrence=1)


def test_in_force_under_unknown_reading(tmp_path):
    expect_error(tmp_path, 'in_force from 2025-01-01 under later from 2025-03-01\n', "later",
                 "undefined reading 'later'")


def test_in_force_invalid_date(tmp_path):
    expect_error(tmp_path, 'in_force from 2025-02-30\n', "2025-02-30", "is not a valid date")


def test_notice_reads_an_input(tmp_path):
    expect_error(tmp_path, 'notice n "N" doc "text" when n > 3\n', "n > 3",
                 "notice 'n' reads input 'n': a notice's condition reads outcomes only")


def test_notice_without_doc(tmp_path):
    expect_error(tmp_path, 'notice quiet "Q" when o\n', "quiet", "notice 'quiet' has no 'doc'")


def test_source_without_a_name(tmp_path):
    expect_error(tmp_path, 'rule r1 "R" cite "X" source secondary "" when n > 1 then o = true\n',
                 "source", "a 'secondary' source must say which source it is")


def test_source_kind_is_checked_by_the_grammar(tmp_path):
    err, _ = errors_of(tmp_path, 'rule r1 "R" cite "X" source rumour "pub" when n > 1 then o = true\n')
    assert "rumour" in err.render() and "t.earl:" in err.render()


def test_only_and_except_under_together(tmp_path):
    expect_error(tmp_path, 'rule r1 "R" cite "X" only under r except under alt when n > 1 then o = true\n',
                 "alt", "has both 'only under' and 'except under'")


def test_property_except_under_unknown_reading(tmp_path):
    expect_error(tmp_path, 'property p "P" except under nowhere always o\n', "nowhere",
                 "undefined reading 'nowhere'")


# ------------------------------------------------------------------------- applies(R) / fires(R)

RULES = ('rule a "A" cite "x" when n > 1 then o = true\n'
         'rule b "B" cite "x" overrides a when n > 2 then o = false\n')


def test_a_rule_test_names_a_rule(tmp_path):
    expect_error(tmp_path, RULES + 'rule c "C" cite "x" when applies(aa) then s += "red"\n', "aa)",
                 "undefined rule 'aa'", hint="did you mean 'a'?")


def test_a_rule_test_is_a_bool(tmp_path):
    expect_error(tmp_path, RULES + "def d : number = fires(a)\n", "fires(a)",
                 "the body of definition 'd' should be a number, but it is a bool")


def test_a_rule_test_in_a_cycle_is_refused_where_it_stands(tmp_path):
    expect_error(tmp_path, 'rule a "A" cite "x" when not fires(a) then o = true\n', "fires(a)",
                 "circular dependency: rule a -> rule a")
    expect_error(tmp_path, RULES + 'def d : bool = o\n'
                                   'rule c "C" cite "x" when d then s += "red"\n'
                                   'rule e "E" cite "x" when applies(c) then o = true\n', "applies(c)",
                 "circular dependency: rule e -> applies c -> def d -> outcome o -> rule e")


def test_applies_does_not_wait_for_the_rules_that_override(tmp_path):
    # the 740.2(a)(9)(ii) pattern: b defeats a, c lifts b for the cases where a's conditions hold
    carve_out = 'rule c "C" cite "x" overrides b when {}(a) then o = true\n'
    load_spec_text(tmp_path, BASE + RULES + carve_out.format("applies"))
    expect_error(tmp_path, RULES + carve_out.format("fires"), "fires(a)",
                 "circular dependency: rule c -> rule a -> rule b -> rule c")


def test_a_rule_test_needs_the_rule_under_every_reading_of_its_reader(tmp_path):
    limited = 'rule b "B" cite "x" except under alt when n > 2 then o = false\n'
    expect_error(tmp_path, limited + 'rule c "C" cite "x" when applies(b) then s += "red"\n', "b)",
                 "rule 'c' reads applies(b), but rule 'b' does not exist under alt",
                 hint="name only rules that exist wherever the reader does (limit the reader with "
                      "'except under alt', or the rule's 'except under' / 'only under')")
    expect_error(tmp_path, limited + "def d : bool = fires(b)\nproperty p \"P\" always d\n", "b)",
                 "definition 'd' reads fires(b), but rule 'b' does not exist under alt")
    load_spec_text(tmp_path, BASE + limited + 'rule c "C" cite "x" except under alt when applies(b) then s += "red"\n'
                   "def d : bool = fires(b)\n  under alt = false\nproperty p \"P\" except under alt always d\n")


def test_a_notice_reads_outcomes_not_rule_tests(tmp_path):
    expect_error(tmp_path, RULES + 'notice t "T" doc "d" when applies(a)\n', "applies(a)",
                 "notice 't' reads applies(a): a notice's condition reads outcomes only")


def test_a_condition_names_only_rules_of_every_reading(tmp_path):
    spec = load_spec_text(tmp_path, BASE + RULES + 'rule c "C" cite "x" only under alt when n > 3 then s += "red"\n'
                          'property p "P" always applies(b) implies fires(b) and not fires(a)\n')
    assert parse_expression(spec, "fires(b) or applies(a)") is not None
    with pytest.raises(SpecError) as ei:
        parse_expression(spec, "applies(c)")
    assert "the condition reads applies(c), but rule 'c' does not exist under r" in ei.value.render()


def load_spec_text(tmp_path, text: str):
    f = tmp_path / "ok.earl"
    f.write_text(text)
    return load_spec(f)


# ------------------------------------------------------------------------- readings as deltas

def test_only_under_may_not_name_the_default_reading(tmp_path):
    expect_error(tmp_path, 'rule a "A" cite "x" only under r when n > 1 then o = true\n', "r when",
                 "rule 'a' is 'only under' the default reading 'r': a reading added later would silently lose it",
                 hint="write `except under alt`")
    expect_error(tmp_path, 'property p "P" only under alt, r always o\n', "r always",
                 "property 'p' is 'only under' the default reading 'r'",
                 hint="drop 'only under': it lists every reading")
    load_spec_text(tmp_path, BASE + 'rule a "A" cite "x" only under alt when n > 1 then o = true\n'
                   'rule b "B" cite "x" except under alt when n > 2 then s += "red"\n')
