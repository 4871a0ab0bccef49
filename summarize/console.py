"""What every ``briefing`` command prints to stderr, defined once.

Errors are one line, ``briefing: error: <input>: <reason>``, never a
traceback; commands end with the ``typer.Exit`` that ``fail`` returns.
"""

from __future__ import annotations

import typer
from rich.console import Console

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2


def fail(message: str | list[str], code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print ``message`` (or each of several problems) as one error line on
    stderr and return the Exit to raise."""
    for line in [message] if isinstance(message, str) else message:
        stderr.print(f"briefing: error: {line}", markup=False)
    return typer.Exit(code)
