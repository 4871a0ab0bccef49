"""The command line, through typer's runner: thin commands over the library."""

import json
from pathlib import Path

from typer.testing import CliRunner

from summarize.cli import app

runner = CliRunner()
UNRELATED = Path(__file__).parent / "fixtures" / "unrelated"


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("brief", "stories"):
        assert command in result.output


def test_brief_default_run_falls_back_with_one_line_and_prints_markdown(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--model", "nobody/not-cached"])
    assert result.exit_code == 0, result.output
    assert "using the extractive engine instead" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout.startswith("# Morning briefing")
    assert "engine: extractive (fallback: nobody/not-cached" in result.stdout
    assert "**Sources (5):**" in result.stdout


def test_brief_json_is_valid_and_complete(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "extractive", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"generated_at", "engine", "model", "stories"} <= set(data)
    [story] = data["stories"]
    assert {"headline", "summary", "sources", "article_ids"} <= set(story)
    assert len(story["article_ids"]) == 5


def test_brief_abstractive_with_a_local_model(seeds_dir, tiny_model_dir, tmp_path):
    out = tmp_path / "briefing.json"
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "abstractive", "--model", str(tiny_model_dir),
                                 "--format", "json", "--output", str(out), "--threads", "1", "--max-new-tokens", "8"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["engine"] == "abstractive" and data["model"] == str(tiny_model_dir)


def test_brief_abstractive_with_an_unreachable_model_is_one_clear_error(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "abstractive", "--model", "nobody/not-cached"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefing: error: nobody/not-cached")
    assert "Traceback" not in result.output


def test_bad_inputs_are_named_and_the_rest_goes_on(seeds_dir, tmp_path):
    # An empty file is skipped; a named path that does not exist is an error:
    # the briefing of the rest is still written, and the exit code is 2.
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = runner.invoke(app, ["brief", str(tmp_path / "empty.txt"), "nope.txt", str(seeds_dir), "-e", "extractive", "-f", "text"])
    assert result.exit_code == 2
    assert f"briefing: skipped: {tmp_path / 'empty.txt'}: file is empty" in result.stderr
    assert "briefing: error: nope.txt: no such file or folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2
    assert "Sources (5):" in result.stdout


def test_no_readable_input_exits_2(tmp_path):
    result = runner.invoke(app, ["brief", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "no articles could be read" in result.stderr


def test_stdin_is_read_with_dash():
    text = "The council approved the budget on Tuesday. The plan takes effect in June."
    result = runner.invoke(app, ["brief", "-", "-e", "extractive", "-f", "json"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stories"][0]["summary"].startswith("The council approved")


def test_stories_shows_two_groups_with_an_unrelated_article(seeds_dir):
    result = runner.invoke(app, ["stories", str(seeds_dir), str(UNRELATED), "--format", "json"])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)
    assert [len(g["articles"]) for g in groups] == [5, 1]
    text = runner.invoke(app, ["stories", str(seeds_dir), str(UNRELATED)]).stdout
    assert text.count("Story ") == 2


def test_html_output_file(seeds_dir, tmp_path):
    out = tmp_path / "nested" / "b.html"
    result = runner.invoke(app, ["brief", str(seeds_dir), "-e", "extractive", "-f", "html", "-o", str(out), "--quiet"])
    assert result.exit_code == 0 and result.stderr == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


SPUN_WORDING = ["Cremlin", "primary direct peace interviews", "despatched a gaggle of skilled technocrats",
                "gaggle", "despatched"]


def test_seeds_briefing_takes_the_original_wording_and_cites_sources(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "-e", "extractive", "-f", "json"])
    assert result.exit_code == 0, result.output
    for phrase in SPUN_WORDING:
        assert phrase not in result.stdout
    [story] = json.loads(result.stdout)["stories"]
    spun = next(s for s in story["sources"] if s["article_id"] == "002_71438543a7dec172")
    assert spun["duplicate_of"] == "000_1495d95d3dcc58ae"
    assert story["sentences"] and all(s["supported_by"] for s in story["sentences"])
    assert set().union(*(s["supported_by"] for s in story["sentences"])) <= set(story["article_ids"])
    cited = runner.invoke(app, ["brief", str(seeds_dir), "-e", "extractive", "--cite"]).stdout
    assert "[1]" in cited and "1. " in cited
