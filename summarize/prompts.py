"""Prompt templates for instruction models, chosen by model family.

Templates live in the repository's ``prompts/`` folder (one Jinja2 file per
family, variable ``{{ text }}``); ``BRIEFING_PROMPTS_DIR`` points elsewhere.
Families without a template get the text unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

PROMPTS_DIR = Path(os.environ.get("BRIEFING_PROMPTS_DIR", Path(__file__).resolve().parents[1] / "prompts"))
_PASS_THROUGH = "{{ text }}"


def load_prompt_template(family: str, override: str | Path | None = None) -> jinja2.Template:
    """The template for ``family`` ("t5", "flan-t5", "bart", ...), or ``override``.

    Raises FileNotFoundError when ``override`` names a missing file.
    """
    # Not HTML: autoescaping would mangle quotes and ampersands in article text.
    environment = jinja2.Environment(autoescape=False, keep_trailing_newline=False, undefined=jinja2.StrictUndefined)
    if override is not None:
        return environment.from_string(Path(override).read_text(encoding="utf-8").strip())
    path = PROMPTS_DIR / f"{family}.j2"
    source = path.read_text(encoding="utf-8").strip() if path.exists() else _PASS_THROUGH
    return environment.from_string(source)
