"""The human report of `verify` and `earl test` (rich markup), on a console."""
from __future__ import annotations

from rich.markup import escape

from ..ir import Spec, resolve
from ..solver.examples import ExampleResult, counts as example_counts
from ..solver.verify.results import VerifyResult
from .report import ENGINE_TAG, one_line, relative, summary_counts


def human(result: VerifyResult, spec: Spec, console, *, verbose: bool = False) -> None:
    dim = "dim"
    tag = escape(ENGINE_TAG)
    console.print(f"[bold]earl verify[/] {escape(result.spec_dir)} — readings: "
                  + ", ".join(result.readings))
    for st in result.stored:
        if st.status != "pass":
            mark = "[red]✗[/]" if st.status == "fail" else "[yellow]•[/]"
            console.print(f"{mark} stored {escape(relative(st.file))}: {escape(st.message)}")
    human_examples(result.examples, console)
    width = max((len(p.name) for p in result.properties), default=10)
    for reading in result.readings:
        params = resolve(spec, reading).params
        console.print(f"[bold]{escape(reading)}[/]")
        for p in (p for p in result.properties if p.reading == reading):
            name = escape(p.name.ljust(width))
            ms = f"[{dim}]{p.seconds * 1000:5.0f} ms[/]"
            if p.status == "pass" and p.outcome == "holds":
                console.print(f"  [green]✓[/] {name} proved {tag} {ms}")
                if p.core:
                    console.print(f"      [{dim}]relies on: " + escape(
                        "; ".join(f"{r} ({c})" if c else r for r, c in p.core)) + "[/]")
            elif p.status == "pass":
                console.print(f"  [green]✓[/] {name} fails as expected {tag} {ms}")
                console.print(f"      [{dim}]counterexample: "
                              + escape(one_line(spec, p.counterexample, params))
                              + (f" → {escape(relative(p.cx_file))}" if p.cx_file else "") + "[/]")
            elif p.status == "fail":
                if p.outcome == "fails":
                    console.print(f"  [red]✗[/] {name} [red]FAILS[/] (expected to hold) {tag} {ms}")
                    console.print("      counterexample: " + escape(one_line(spec, p.counterexample, params))
                                  + (f" → {escape(relative(p.cx_file))}" if p.cx_file else ""))
                    for line in p.determination_text.splitlines():
                        console.print("      " + escape(line))
                else:
                    console.print(f"  [red]✗[/] {name} [red]HOLDS[/] (expected to fail: the documented "
                                  f"finding is gone) {tag} {ms}")
            elif p.status == "error":
                console.print(f"  [red]✗[/] {name} [red]ERROR[/]: {escape(p.message)}")
                if p.counterexample is not None:
                    console.print("      instance: " + escape(one_line(spec, p.counterexample, params)))
            else:
                console.print(f"  [yellow]![/] {name} unknown: {escape(p.message)}")
        fs = [f for f in result.findings if f.reading == reading and f.status != "ok"]
        for f in fs:
            mark = {"finding": "[red]✗[/]", "error": "[red]✗[/]", "intended": "[cyan]•[/]",
                    "unknown": "[yellow]![/]"}[f.status]
            label = f.kind + (" (intended)" if f.status == "intended" else "")
            console.print(f"  {mark} {escape(label)}: {escape(f.message)}")
            if f.witness is not None and (f.status != "intended" or verbose):
                console.print(f"      [{dim}]witness: " + escape(one_line(spec, f.witness, params)) + "[/]")
        witnessed = [f for f in result.findings if f.reading == reading and f.status == "ok"
                     and f.kind == "vacuous"]
        if witnessed and not verbose:
            console.print(f"  [{dim}]non-vacuous: {len(witnessed)} propert"
                          f"{'y' if len(witnessed) == 1 else 'ies'} with a premise some transaction "
                          f"satisfies (witnesses: -v or --json)[/]")
        if verbose:
            for f in (f for f in result.findings if f.reading == reading and f.status == "ok"):
                console.print(f"  [{dim}]non-vacuous {escape(f.subject)}: "
                              + escape(one_line(spec, f.witness, params)) + "[/]")
    dep = result.reading_dependent()
    if dep:
        console.print("[bold]reading-dependent[/]")
        for n, h, f in dep:
            console.print(f"  {escape(n)}: holds under {', '.join(h)}; fails under {', '.join(f)}")
    for e in result.errors:
        console.print(f"[red]error:[/] {escape(e)}")
    for n in result.notes:
        console.print(f"[{dim}]note: {escape(n)}[/]")
    c = summary_counts(result)
    verdict = {0: "[green]OK[/]", 1: "[red]FAILED[/]", 3: "[yellow]UNKNOWN[/]"}[result.exit_code]
    stored = f", {len(result.stored)} stored counterexample(s) replayed" if result.stored else ""
    examples = f"; {examples_line(result.examples)}" if result.examples else ""
    console.print(
        f"{verdict}: {c['checks']} property checks ({len(result.readings)} reading(s)): "
        f"{c['proved']} proved, {c['failed_as_expected']} failed as expected, "
        f"{c['unexpected']} unexpected, {c['unknown']} unknown, {c['errors']} error(s); "
        f"findings: {c['findings']} ({c['intended']} intended){stored}{examples}; "
        f"{result.queries} solver queries; {result.seconds:.2f} s")


def examples_line(results: list[ExampleResult]) -> str:
    """"112 examples × 3 engines (eval, smt, asp): 336 passed, 0 failed, 0 error(s)"."""
    c = example_counts(results)
    engines = list(dict.fromkeys(e.engine for e in results))
    return (f"{c['examples']} example{'' if c['examples'] == 1 else 's'} × {len(engines)} "
            f"engine{'' if len(engines) == 1 else 's'} ({', '.join(engines)}): "
            f"{c['passed']} passed, {c['failed']} failed, {c['errors']} error(s)")


def human_examples(results: list[ExampleResult], console) -> None:
    """Each example that did not pass, once for all the engines that gave it the same answer:
    where it is, what was expected and what came out, and the engine's explanation."""
    shown: dict[tuple[str, str, str], list[ExampleResult]] = {}
    for e in results:
        if e.status != "pass":
            shown.setdefault((e.name, e.status, e.message), []).append(e)
    for group in shown.values():
        e = group[0]
        where = f"{relative(e.pos.file)}:{e.pos.line}: " if e.pos.line else ""
        engines = ", ".join(x.engine for x in group)
        label = "ERROR" if e.status == "error" else "FAILS"
        console.print(f"[red]✗[/] {escape(where)}example {escape(e.name)} [red]{label}[/] "
                      f"{escape(f'[{engines}]')} under {escape(e.reading)} ({escape(e.cite)}): "
                      f"{escape(e.message)}")
        for line in e.explanation.splitlines():
            console.print("      " + escape(line))


def examples_report(results: list[ExampleResult], seconds: float, console) -> None:
    """`earl test`: each example that did not pass, then the verdict."""
    human_examples(results, console)
    verdict = "[red]FAILED[/]" if any(r.status != "pass" for r in results) else "[green]OK[/]"
    line = examples_line(results) if results else "the spec has no examples"
    console.print(f"{verdict}: {line}; {seconds:.2f} s")
