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

# The repository's prompts/ folder; inside the package it is the link prompt_templates,
# which a built wheel holds as a folder of its own.
_SHIPPED_PROMPTS_DIR = Path(__file__).resolve().parent / "prompt_templates"
PROMPTS_DIR = Path(os.environ.get("BRIEFING_PROMPTS_DIR", _SHIPPED_PROMPTS_DIR))
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


# The stages of an instruction engine, each a template ``<stage>.j2``:
# summarise a chunk of one story's articles, fuse chunk summaries, write a headline.
STAGES = ("summarize", "fuse", "headline")
STAGE_VARIABLES = ("text", "max_words", "language")


def stage_template_paths(directory: str | Path | None = None, files: dict[str, str | Path] | None = None) -> dict[str, Path]:
    """Where each stage's template is read from.

    A file named for a stage in ``files`` wins; then the stage's file in
    ``directory``, then one in ``BRIEFING_PROMPTS_DIR``, then the shipped
    default in the repository's ``prompts/``; so a folder holding only
    ``headline.j2`` overrides the headline alone.
    """
    folders = [Path(directory).expanduser()] if directory else []
    if os.environ.get("BRIEFING_PROMPTS_DIR"):
        folders.append(Path(os.environ["BRIEFING_PROMPTS_DIR"]).expanduser())
    folders.append(_SHIPPED_PROMPTS_DIR)
    paths = {}
    for stage in STAGES:
        if files and files.get(stage):
            paths[stage] = Path(files[stage]).expanduser()
            continue
        paths[stage] = next((f / f"{stage}.j2" for f in folders if (f / f"{stage}.j2").is_file()), _SHIPPED_PROMPTS_DIR / f"{stage}.j2")
    return paths


def load_stage_templates(directory: str | Path | None = None, files: dict[str, str | Path] | None = None) -> dict[str, jinja2.Template]:
    """The template of each stage (see ``stage_template_paths``), checked.

    Templates are Jinja2 with the variables ``text`` (the chunk, the chunk
    summaries or the story summary), ``max_words`` (the word budget) and
    ``language`` (the language to write in, by name). Raises ValueError with a
    one-line reason naming the file when a template is missing, does not
    parse, or never uses ``text``.
    """
    from jinja2 import meta

    environment = jinja2.Environment(autoescape=False, keep_trailing_newline=False, undefined=jinja2.StrictUndefined)
    templates = {}
    for stage, path in stage_template_paths(directory, files).items():
        try:
            source = _read_template(path)
            used = meta.find_undeclared_variables(environment.parse(source))
            template = environment.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"{path}: line {exc.lineno}: {exc.message}") from None
        if "text" not in used:
            raise ValueError(f"{path}: the {stage} prompt template never uses {{{{ text }}}}")
        unknown = sorted(used - set(STAGE_VARIABLES))
        if unknown:
            raise ValueError(f"{path}: unknown variable {unknown[0]!r} (known: {', '.join(STAGE_VARIABLES)})")
        templates[stage] = template
    return templates


