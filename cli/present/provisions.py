"""`earl provisions`' table: Markdown (for the README), plain text, or rich (on a terminal)."""
from __future__ import annotations

from rich.table import Table

from ..solver.provisions import ProvisionRow


def _markdown_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(rows: list[ProvisionRow]) -> str:
    out = ["| rule | cite | title | source | readings | examples firing it | properties touching it |",
           "|---|---|---|---|---|---:|---|"]
    for r in rows:
        out.append(f"| `{r.name}` | {_markdown_cell(r.cite)} | {_markdown_cell(r.title)} | {_markdown_cell(r.source)} "
                   f"| {', '.join(r.readings) or 'all'} "
                   f"| {r.examples} | {', '.join(f'`{p}`' for p in r.properties) or '—'} |")
    return "\n".join(out)


def plain(rows: list[ProvisionRow]) -> str:
    head = ("rule", "cite", "title", "source", "readings", "examples", "properties")
    data = [(r.name, r.cite, r.title, r.source, ", ".join(r.readings) or "all", str(r.examples),
             ", ".join(r.properties) or "-") for r in rows]
    widths = [max([len(h)] + [len(d[i]) for d in data]) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for d in data:
        lines.append("  ".join(x.ljust(w) for x, w in zip(d, widths)).rstrip())
    return "\n".join(lines)


def table(rows: list[ProvisionRow]):
    """A rich Table of the rows (for a terminal)."""
    t = Table(title=f"{len(rows)} provisions")
    for h in ("rule", "cite", "title", "source", "readings", "examples", "properties"):
        t.add_column(h, justify="right" if h == "examples" else "left")
    for r in rows:
        t.add_row(r.name, r.cite, r.title, r.source, ", ".join(r.readings) or "all", str(r.examples),
                  ", ".join(r.properties) or "—")
    return t
