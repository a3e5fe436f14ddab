"""`earl serve [--spec DIR] [--host 127.0.0.1] [--port 8000] [--timeout SECONDS]`

The lawyer's workbench: a local web application (open http://127.0.0.1:8000 in a browser) to ask
about a transaction with a form, compare readings, see what would change an answer, find
transactions, follow an answer over time, print a memo and read the rule provision by provision.
It listens on the loopback interface only, unless --host says otherwise. See docs/workbench.md.
"""
from __future__ import annotations

import ipaddress

import click

from ._common import fail, open_spec


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--spec", "spec_dir", type=click.Path(exists=True), default=None, metavar="DIR",
              help="The spec folder (default: the shipped spec).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (anything but loopback lets other machines in).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              metavar="SECONDS", help="Time limit of each solver call (past it: unknown).")
def command(spec_dir, host, port, timeout):
    """Start the workbench: a local web page over the spec."""
    try:
        import uvicorn
        from ..web.app import create_app
    except ImportError as e:
        fail("serve", f"the workbench needs its web dependencies ({e.name} is missing): "
                      "pip install 'earl[web]'")
    spec = open_spec("serve", spec_dir, None)
    if not _loopback(host):
        click.echo(f"earl serve: warning: listening on {host}: other machines can reach the workbench",
                   err=True)
    click.echo(f"earl workbench: http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(create_app(spec, timeout_s=timeout), host=host, port=port, log_level="warning",
                limit_concurrency=32, timeout_keep_alive=5)
