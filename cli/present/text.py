"""Plain-text answers of the smaller commands: `earl check`'s summary, `earl generate`'s summary
and `--check` changes, `earl mutate`'s score."""
from __future__ import annotations

import json


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def spec_summary(spec) -> str:
    """"9 files, 3 readings, ...": what a checked spec declares."""
    counts = [(len(spec.files), "file"), (len(spec.readings), "reading"), (len(spec.enums), "enum"),
              (len(spec.groups), "group"), (len(spec.inputs), "input"), (len(spec.params), "param"),
              (len(spec.defs), "def"), (len(spec.outcomes), "outcome"), (len(spec.rules), "rule"),
              (len(spec.properties), "property"), (len(spec.examples), "example")]
    words = []
    for n, word in counts:
        plural_word = word[:-1] + "ies" if word.endswith("y") else word + "s"
        words.append(f"{n} {word if n == 1 else plural_word}")
    return ", ".join(words)


def generated_summary(g, seconds: float) -> list[str]:
    """`earl generate`: the set's size against its bounds, and the goals not met."""
    c = g.counts()
    lines = [f"reading {g.model.reading}: {g.size} transactions "
             f"(greedy {g.greedy_size}; lower bound {g.lower_bound}"
             f"{'; proved optimal' if g.optimal else '; optimum not proved'}; "
             f"{'optimal' if g.pool_optimal else 'best found'} over {g.pool_size} candidates) "
             f"in {seconds:.1f}s",
             f"goals: {c['total']} total, {c['met']} met, {c['infeasible']} proved infeasible, "
             f"{c['unknown']} unknown"]
    for x in g.goals:
        if g.status[x.id] == "infeasible":
            lines.append(f"  infeasible: {x.id} ({x.text})")
    for x in g.goals:
        if g.status[x.id] == "unknown":
            lines.append(f"  unknown: {x.id} ({x.text})")
    lines += [f"note: {n}" for n in g.notes]
    return lines


def set_changes(reading: str, n: int, changes) -> str:
    """`earl generate --check`: the stored expectations the spec no longer derives."""
    if not changes:
        return f"{n} cases checked under reading {reading}: no expectation changed"
    cases = sorted({c.case for c in changes})
    lines = [f"{len(cases)} of {n} cases changed under reading {reading}:"]
    for c in changes:
        if not c.outcome:
            lines.append(f"  {c.case}: {c.after}")
        else:
            lines.append(f"  {c.case}: {c.outcome}: {json.dumps(c.before)} -> {json.dumps(c.after)}")
    return "\n".join(lines)


def mutation_score(score) -> str:
    """`earl mutate`: the score, by kind, and every survivor with a transaction telling it apart."""
    lines = [f"{score.total} mutants against {score.against} "
             f"(reading{'s' if len(score.readings) != 1 else ''} {', '.join(score.readings)}): "
             f"{score.killed} killed, {score.survived} survived, {score.equivalent} equivalent "
             f"(not counted) in {score.seconds:.0f}s",
             f"score: {score.killed}/{score.total - score.equivalent} = {100 * score.score:.1f} %",
             "by kind: " + "; ".join(f"{k} {v['killed']}/{v['total'] - v['equivalent']}"
                                     for k, v in sorted(score.by_kind().items()))]
    survivors = score.survivors()
    if survivors:
        lines.append("survivors:")
        for s in survivors:
            lines.append(f"  {s['file']}:{s['line']}: {s['rule']}: {s['operator']}: {s['mutation']}")
            if s["detail"]:
                lines.append(f"      {s['detail']}")
    return "\n".join(lines)
