"""The prompt templates ship inside the package, not only in a checkout."""

import tomllib
from pathlib import Path

import summarize
from summarize.prompts import STAGES, load_stage_templates, stage_template_paths

PACKAGE = Path(summarize.__file__).resolve().parent
ROOT = PACKAGE.parent


def test_the_package_holds_the_stage_templates_the_repository_ships():
    shipped = PACKAGE / "prompt_templates"
    for stage in STAGES:
        assert (shipped / f"{stage}.j2").read_text() == (ROOT / "prompts" / f"{stage}.j2").read_text()
    assert stage_template_paths()["summarize"].resolve() == (ROOT / "prompts" / "summarize.j2").resolve()
    assert set(load_stage_templates()) == set(STAGES)


def test_a_built_wheel_takes_the_templates_as_package_data():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "prompt_templates/*.j2" in package_data["summarize"]
