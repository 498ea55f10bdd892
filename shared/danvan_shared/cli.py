"""The ``danvan`` command.

Each service contributes its own sub-commands through the ``danvan.commands``
entry-point group (a Typer app becomes a command group, a function a command),
so this module never imports a service and a service never imports another.

A command's module is imported only when that command runs (``--help`` imports them
all, for their summaries): importing every service (Celery, SQLAlchemy, Alembic,
pyarrow, the extractor) took seconds, and ``danvan submit`` paid for all of it.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import typer
from typer.core import TyperGroup


@cache
def _entry_points() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group="danvan.commands")}


def _load(name: str) -> Any:  # typer's own click Command (typer vendors click)
    try:
        target = _entry_points()[name].load()
    except Exception as exc:  # one broken plug-in must not take the whole CLI down
        logging.getLogger("danvan.cli").warning(
            "command %r is unavailable: %s: %s", name, type(exc).__name__, exc
        )
        return None
    if isinstance(target, typer.Typer):
        command = typer.main.get_command(target)
    else:
        single = typer.Typer()
        single.command(name=name)(target)
        command = typer.main.get_command(single)
    command.name = name
    # Shell completion is offered once, by ``danvan`` itself.
    command.params = [
        param
        for param in command.params
        if param.name not in ("install_completion", "show_completion")
    ]
    return command


class EntryPointGroup(TyperGroup):
    """The ``danvan.commands`` entry points as sub-commands, each loaded on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_entry_points()))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _entry_points():
            command = _load(cmd_name)
            if command is not None:
                self.add_command(command, cmd_name)
        return command


app = typer.Typer(
    cls=EntryPointGroup,
    name="danvan",
    help="danvan: Vietnamese dân vận review-meeting reports → structured feeds.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def danvan() -> None:
    """danvan: Vietnamese dân vận review-meeting reports → structured feeds."""


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Library chatter (Alembic plug-ins, every httpx request) hides what danvan says.
    for noisy in ("alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app()


if __name__ == "__main__":
    main()
