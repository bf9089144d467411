"""The ``homeshift`` command line (typer + rich).

Each command group lives in its own module exposing ``app`` and is listed in
:data:`COMMAND_GROUPS`; the plain-Python core never imports this package.
"""

from __future__ import annotations

import importlib

import typer

#: group name -> module exposing a ``typer.Typer`` called ``app``
COMMAND_GROUPS: dict[str, str] = {
    "lab": "homeshift.cli.lab",
    "state": "homeshift.cli.state",
    "consent": "homeshift.cli.consent",
    "notify": "homeshift.cli.notify",
    "plan": "homeshift.cli.plan",
    "board": "homeshift.cli.board",
    "verify": "homeshift.cli.verify",
    "desktop-lab": "homeshift.cli.desktop_lab",
    "headends": "homeshift.cli.headends",
}

app = typer.Typer(
    name="homeshift",
    help="Move an office workforce to home office in waves, safely.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # never print locals: they may hold secrets
)

for _name, _module in COMMAND_GROUPS.items():
    app.add_typer(importlib.import_module(_module).app, name=_name)

app.command("demo")(importlib.import_module("homeshift.cli.demo").run)
app.command("migrate")(importlib.import_module("homeshift.cli.migrate").run)


def main() -> None:
    app()
