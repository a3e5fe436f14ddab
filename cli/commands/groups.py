"""`earl groups [--spec DIR] [--date YYYY-MM-DD] [--json] [COUNTRY]`

Country-group membership as the spec lists it, by date.
- With COUNTRY (a code such as KH, or a name such as Cambodia): every group the country belongs
  to at some time, with the periods (`from` inclusive, `until` exclusive); with --date, only the
  groups it belongs to on that day.
- Without COUNTRY: every group with its members on --date (default: today).
Groups defined from other groups (unions, differences) are computed the way the engines compute
them. Exit status: 0 answered; 2 a usage or spec error (an unknown country or a malformed date).
"""
from __future__ import annotations

import datetime
import json
import sys

import click

from ._common import fail, open_spec


def country_periods(spec, code: str) -> dict[str, list[tuple[datetime.date | None, datetime.date | None]]]:
    """group -> the periods over which `code` belongs to it (groups it never belongs to left out)."""
    from ..solver.countries import CountryClasses
    cc = CountryClasses.of(spec)
    i = cc.class_of(code)
    return {g: list(cc.membership_intervals(i, g)) for g in spec.groups if cc.membership_intervals(i, g)}


def members_on(spec, day: datetime.date) -> dict[str, list[str]]:
    """group -> the codes of its members on `day`."""
    from ..solver.countries import CountryClasses
    cc = CountryClasses.of(spec)
    return {g: [c for c in spec.countries if cc.member_in_group(cc.class_of(c), g, day)]
            for g in spec.groups}


def period_text(since, until) -> str:
    if since is None and until is None:
        return "always"
    if until is None:
        return f"from {since.isoformat()}"
    if since is None:
        return f"until {until.isoformat()}"
    return f"from {since.isoformat()} until {until.isoformat()}"


def parse_country(spec, text: str) -> str:
    """A country code from a code or a name; TransactionError (with a suggestion) otherwise."""
    from .. import ir
    from ..solver.transaction import parse_value
    return parse_value(spec, ir.Country(), text, "COUNTRY")


@click.command("groups")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD", help="The day (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.argument("country", required=False)
def command(spec_dir, day, as_json, country):
    """Country-group membership by date: of COUNTRY, or of every group."""
    from .. import ir
    from ..solver.transaction import TransactionError, parse_value
    spec = open_spec("groups", spec_dir, None)
    try:
        when = parse_value(spec, ir.Date(), day, "--date") if day is not None else None
        code = parse_country(spec, country) if country is not None else None
    except TransactionError as e:
        fail("groups", str(e))
    if code is not None:
        periods = country_periods(spec, code)
        if when is not None:
            periods = {g: ps for g, ps in periods.items()
                       if any((s is None or s <= when) and (u is None or when < u) for s, u in ps)}
        name = spec.countries[code].name
        if as_json:
            click.echo(json.dumps({"country": code, "name": name, "date": day, "groups": {
                g: [{"from": s and s.isoformat(), "until": u and u.isoformat()} for s, u in ps]
                for g, ps in periods.items()}}, ensure_ascii=False, indent=2))
        else:
            on = f" on {when.isoformat()}" if when else ""
            click.echo(f"{name} ({code}){on}:" + (" in no group" if not periods else ""))
            for g, ps in periods.items():
                click.echo(f"  {g} ({spec.groups[g].title}): {'; '.join(period_text(s, u) for s, u in ps)}")
        sys.exit(0)
    when = when or datetime.date.today()
    members = members_on(spec, when)
    if as_json:
        click.echo(json.dumps({"date": when.isoformat(), "groups": members}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"country groups on {when.isoformat()}:")
        for g, codes in members.items():
            click.echo(f"  {g} ({spec.groups[g].title}), {len(codes)}: {', '.join(codes)}")
    sys.exit(0)
