"""The ``danvan`` command.

Each service contributes its own sub-commands through the ``danvan.commands``
entry-point group (a Typer app becomes a command group, a function a command),
so this module never imports a service and a service never imports another.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer

app = typer.Typer(
    name="danvan",
    help="danvan: Vietnamese dân vận review-meeting reports → structured feeds.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register_commands() -> None:
    for entry_point in sorted(entry_points(group="danvan.commands"), key=lambda ep: ep.name):
        try:
            target = entry_point.load()
        except Exception as exc:  # one broken plug-in must not take the whole CLI down
            logging.getLogger("danvan.cli").warning(
                "command %r is unavailable: %s: %s", entry_point.name, type(exc).__name__, exc
            )
            continue
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=entry_point.name)
        else:
            app.command(name=entry_point.name)(target)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Library chatter (Alembic plug-ins, every httpx request) hides what danvan says.
    for noisy in ("alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _register_commands()
    app()


if __name__ == "__main__":
    main()
