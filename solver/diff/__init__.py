"""What changes between two sides — two readings, two dates, two versions of a spec — proved.

A *side* is a spec under a configuration: a reading, parameter values, and optionally a fixed
transaction date. `diff(left, right)` answers with:

- **regions**: conjunctions of atomic conditions over the inputs on which some outcome fields
  change in one stated way (left value → right value) for *every* transaction of the region;
- **completeness**: a z3 proof that every transaction on which any outcome differs lies in some
  region (the union covers the difference), cross-checked by clingo on its finite abstraction —
  or, if the budget ran out first, a replayed transaction that no region covers;
- **checks** (`no_new`/`no_less`): whether some transaction gains (or loses) an element, a
  truth value or an enum value on the right, with a replayed witness.

How: both sides are renamed into one *product* model (`left.`/`right.` prefixes on their rules,
outcomes and the definitions that differ; parameters folded to their values; a fixed date folded
into every expression), so one symbolic transaction feeds both sides and the ordinary proof layer
(proofs.py with its minimiser and replay, and asp.py's search) answers every question about the
pair. Regions are prime implicants of a change found by z3: a model of "outcomes differ and no
region so far covers it" gives a cube of atomic conditions at their values there; the unsat core
of "cube and not this change", then a deletion pass, shrinks it to the conditions the change
needs. The atoms, most abstract first (the deletion pass tries them last, so they stay):
the values of fields both sides are proved to decide alike (`eccn == "X"`), "this value on both
sides" for the fields that do change (only where true: its negation would restate the change),
the true/false definitions both sides define alike, then the spec's own comparisons, group and
set memberships and truth-valued inputs. So a region reads as the spec does (`hq_d5_macau`,
`destination in SOME_GROUP`, `item.tpp >= 4800`). Point conditions on the inputs (`x == value`)
are the fallback for changes no atom separates. The region then states every other change that
holds on all of it, and lists those that happen on part of it.

The package: `product` (the two sides as one model, the changes between them), `regions`
(regions, their shrinking and the checks), `crosscheck` (the evaluator's replay, clingo's
answer), `render` (exit status, text and JSON).

Never from sampling: every region is proved to imply its change, every witness is found by z3
and replayed through the reference evaluator on each original side.
"""
