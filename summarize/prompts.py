"""Prompt templates for instruction models, chosen by model family.

Templates live in the repository's ``prompts/`` folder (one Jinja2 file per
family, variable ``{{ text }}``); ``BRIEFING_PROMPTS_DIR`` points elsewhere.
Families without a template get the text unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

from summarize.textio import InputError, display_name, read_file_bytes

PROMPTS_DIR = Path(os.environ.get("BRIEFING_PROMPTS_DIR", Path(__file__).resolve().parents[1] / "prompts"))
_PASS_THROUGH = "{{ text }}"


class PromptError(ValueError):
    """A prompt template that cannot be read or compiled; the message is one line naming it."""


MAX_TEMPLATE_BYTES = 1 << 20


def load_prompt_template(family: str, override: str | Path | None = None) -> jinja2.Template:
    """The template for ``family`` ("t5", "flan-t5", "bart", ...), or ``override``.

    Raises PromptError (one line naming the file) when ``override`` cannot be
    read (missing, a special file, not UTF-8 text) or is not a valid Jinja2
    template.
    """
    # Not HTML: autoescaping would mangle quotes and ampersands in article text.
    environment = jinja2.Environment(autoescape=False, keep_trailing_newline=False, undefined=jinja2.StrictUndefined)
    if override is not None:
        path, source = Path(override), _read_template(Path(override))
    else:
        path = PROMPTS_DIR / f"{family}.j2"
        source = _read_template(path) if path.exists() else _PASS_THROUGH
    try:
        return environment.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(f"{display_name(path)}: not a valid Jinja2 template (line {exc.lineno}: {exc.message})") from None


def _read_template(path: Path) -> str:
    """A template file's text: a regular file of UTF-8 text without NUL bytes."""
    try:
        data = read_file_bytes(path, MAX_TEMPLATE_BYTES)
    except InputError as exc:
        raise PromptError(f"{exc} (prompt template)") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PromptError(f"{display_name(path)}: prompt template is not UTF-8 text") from None
    if "\x00" in text:
        raise PromptError(f"{display_name(path)}: prompt template is binary, not text")
    return text.strip()
