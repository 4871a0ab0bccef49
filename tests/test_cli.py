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
    assert "briefing: warning: model unavailable, using the extractive engine instead: nobody/not-cached" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout.startswith(("# Morning briefing", "# Afternoon briefing", "# Evening briefing"))
    assert "nobody/not-cached" not in result.stdout  # the raw reason stays in JSON and on stderr
    assert "the summarisation model could not be loaded" in result.stdout
    assert "Sources (5):" in result.stdout


def test_brief_json_is_valid_and_complete(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "extractive", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"schema_version", "kind", "tool", "generated_at", "engine", "model", "stories"} <= set(data)
    [story] = data["stories"]
    assert {"headline", "summary", "sources", "article_ids"} <= set(story)
    assert len(story["article_ids"]) == 5
    assert data["engine_usage"] is None  # no model, nothing generated


def test_brief_abstractive_with_a_local_model(seeds_dir, tiny_model_dir, tmp_path):
    out = tmp_path / "briefing.json"
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "abstractive", "--model", str(tiny_model_dir),
                                 "--format", "json", "--output", str(out), "--threads", "1", "--max-new-tokens", "8"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["engine"] == "abstractive" and data["model"] == str(tiny_model_dir)
    usage = data["engine_usage"]  # what this briefing fed the model and got back
    assert usage["generate_calls"] >= 1 and 0 < usage["input_tokens"] <= usage["padded_input_tokens"]
    assert 0 < usage["output_tokens"] <= 8 * usage["padded_input_tokens"]
    assert "engine_usage" not in data["settings"] and "generate_calls" not in json.dumps(data["settings"])


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
    data = json.loads(result.stdout)
    assert data["kind"] == "stories" and data["schema_version"] == 1
    assert [len(g["articles"]) for g in data["stories"]] == [5, 1]
    assert data["stories"][0]["headline"] == "Putin to Miss Ukraine Peace Talks in Turkey; Kremlin Aide to Head Russian Delegation"
    text = runner.invoke(app, ["stories", str(seeds_dir), str(UNRELATED)]).stdout
    assert text.count("Story ") == 2 and "(1 article)" in text and "(5 articles)" in text


def test_stories_explain_why_their_articles_are_together(seeds_dir):
    result = runner.invoke(app, ["stories", str(seeds_dir), str(UNRELATED), "--format", "json"])
    seeds_story, tram_story = json.loads(result.stdout)["stories"]
    why = seeds_story["why"]
    assert {"entity": "Medinsky", "articles": 5} in why["shared_entities"]
    assert why["shared_terms"] and why["first_date"] == "2025-05-15" and why["dated_articles"] == 3
    assert tram_story["why"]["articles"] == 1 and tram_story["why"]["shared_entities"] == []
    text = runner.invoke(app, ["stories", str(seeds_dir), str(UNRELATED)]).stdout
    assert "  why: shared names: " in text and "Medinsky (5)" in text
    assert "  why: a single article; dates: 2025-05-14" in text


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


# --- what the reader sees, end to end ---------------------------------------------------------

import datetime as dt  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import pytest  # noqa: E402

UNTITLED = Path(__file__).parent / "fixtures" / "untitled"
HASH_NAMES = ["000_1495d95d3dcc58ae", "1495d95d3dcc58ae", ".txt"]


@pytest.mark.parametrize("folder", ["seeds", "untitled"])
def test_briefings_name_outlets_and_carry_no_pipeline_notes(folder, seeds_dir):
    path = seeds_dir if folder == "seeds" else UNTITLED
    for fmt in ("markdown", "text", "html"):
        result = runner.invoke(app, ["brief", str(path), "-e", "extractive", "-f", fmt, "--cite"])
        assert result.exit_code == 0, result.output
        body = result.stdout
        for name in HASH_NAMES:
            assert name not in body, (fmt, name)
        for note in ("repeated across articles", "split into", "skipped", "fallback", "left out"):
            assert note not in body, (fmt, note)
        assert "…" not in body
        assert "Reuters" in body
        if fmt == "html":
            import html5lib

            html5lib.HTMLParser(strict=True).parse(body)  # well-formed HTML5, or a ParseError
    data = json.loads(runner.invoke(app, ["brief", str(path), "-e", "extractive", "-f", "json"]).stdout)
    origins = [s["origin"] for story in data["stories"] for s in story["sources"]]
    assert all(origin.endswith(".txt") for origin in origins)  # the file stays in JSON
    if folder == "untitled":
        assert all(s["title"] is None for story in data["stories"] for s in story["sources"])
        assert {s["outlet"] for story in data["stories"] for s in story["sources"]} == {"AP", "Reuters"}


def test_verbose_prints_the_notes_on_stderr_once_each(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "-e", "extractive", "--verbose"])
    assert result.exit_code == 0
    notes = [line for line in result.stderr.splitlines() if line.startswith("briefing: note: ")]
    assert notes and len(notes) == len(set(notes))
    assert "briefing: note:" not in result.stdout


def _tokyo_day() -> set[str]:
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    return {f"{d:%A} {d.day} {d:%B %Y}" for d in (today, today + dt.timedelta(days=1))}


def test_dates_follow_tz_in_a_real_process(seeds_dir, tmp_path):
    env = {**os.environ, "TZ": "Asia/Tokyo", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "summarize", "brief", str(seeds_dir), "-e", "extractive", "-f", "text"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert any(day.upper() in first for day in _tokyo_day()), first
    timezone = runner.invoke(app, ["brief", str(seeds_dir), "-e", "extractive", "--timezone", "Asia/Tokyo"]).stdout
    assert any(day in timezone.splitlines()[0] for day in _tokyo_day())
    bad = runner.invoke(app, ["brief", str(seeds_dir), "--timezone", "Mars/Olympus"])
    assert bad.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in bad.stderr


# --- the command line ---------------------------------------------------------------------------


def test_version_and_short_help():
    from summarize.records import tool_version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"briefing {tool_version()}\n"
    for args in (["-h"], ["brief", "-h"], ["eval", "-h"], ["bench", "-h"], ["doctor", "-h"], ["stories", "-h"]):
        assert runner.invoke(app, args).exit_code == 0, args


def test_help_shows_real_defaults_choices_env_vars_and_exit_codes():
    result = runner.invoke(app, ["brief", "--help"], env={"COLUMNS": "200"}, terminal_width=200)
    text = result.stdout
    assert "<bool>" not in text and "<list[str]>" not in text and "<str>" not in text
    assert "<auto|cpu|cuda|mps>" in text and "<auto|float32|bfloat16|float16|int8>" in text
    assert "sshleifer/distilbart-cnn-12-6" in text  # the real default model, not swallowed by markup
    assert "BRIEFING_ENGINE" in text and "Exit codes:" in text and "HF_HOME" in text
    for command in ("eval", "bench", "stories", "doctor"):
        assert "Exit codes:" in runner.invoke(app, [command, "--help"], terminal_width=200).stdout, command


def test_device_and_dtype_take_only_their_choices(seeds_dir):
    for option, value in (("--device", "tpu"), ("--dtype", "float8")):
        result = runner.invoke(app, ["brief", str(seeds_dir), option, value])
        assert result.exit_code == 2 and value in result.output


def test_shell_completion_script(tmp_path):
    # (typer detects the shell from the parent process; the test names it instead)
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1", "XDG_CONFIG_HOME": str(tmp_path)}
    for shell in ("bash", "zsh", "fish"):
        result = subprocess.run([sys.executable, "-m", "summarize", "--show-completion", shell],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "_BRIEFING_COMPLETE" in result.stdout, shell
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout


@pytest.mark.parametrize("args, named", [
    (["brief", "seeds/", "--device", "tpu"], "--device"),
    (["brief", "seeds/", "--max-words", "5"], "--max-words"),
    (["brief"], "PATH"),
    (["brief", "seeds/", "--no-such-option"], "--no-such-option"),
    (["eval", "--ref", "x.jsonl"], "--pred"),
])
def test_a_usage_mistake_is_one_line_naming_the_option_and_the_help(args, named):
    result = subprocess.run([sys.executable, "-m", "summarize", *args], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefing: error: "), result.stderr
    assert named in lines[0] and f"(see 'briefing {args[0]} -h')" in lines[0]
    assert result.stdout == ""


def test_doctor_reports_and_says_what_to_do_next(tmp_path):
    result = runner.invoke(app, ["doctor", "--model", "nobody/not-cached"], env={"HF_HOME": str(tmp_path / "hf")})
    assert result.exit_code == 0, result.output
    text = result.stdout
    for label in ("briefing:", "python:", "libraries:", "torch:", "HF_HOME:", "model:", "hub:", "config:", "digest config:"):
        assert label in text, label
    assert "CPU-only build" in text or "CUDA" in text
    assert "nobody/not-cached: not in the local cache" in text
    assert "HF_HUB_OFFLINE is set" in text  # the tests run offline: no probe
    last = text.strip().splitlines()[-1]
    assert last.startswith("engine:") and "huggingface-cli download nobody/not-cached" in last and "-e extractive" in last
    quiet = runner.invoke(app, ["doctor", "--model", "nobody/not-cached", "--quiet"])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_doctor_with_a_local_model(tiny_model_dir):
    result = runner.invoke(app, ["doctor", "--model", str(tiny_model_dir)])
    assert result.exit_code == 0 and f"engine:         abstractive: briefing brief uses {tiny_model_dir}" in result.stdout


def test_dash_is_stdout_for_outputs_and_stdin_for_inputs(seeds_dir, tmp_path):
    result = runner.invoke(app, ["brief", str(seeds_dir), "-e", "extractive", "-o", "-", "-f", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["kind"] == "briefing"
    assert not Path("-").exists()
    stories = runner.invoke(app, ["stories", str(seeds_dir), "-o", "-", "-f", "json"])
    assert json.loads(stories.stdout)["kind"] == "stories"
    pred = '{"id": "a", "summary": "The council approved the tram line."}\n'
    ref = tmp_path / "ref.jsonl"
    ref.write_text('{"id": "a", "summary": "The council approved a new tram line on Monday."}\n', encoding="utf-8")
    scored = runner.invoke(app, ["eval", "--pred", "-", "--ref", str(ref), "-o", "-", "--resamples", "10"], input=pred)
    assert scored.exit_code == 0, scored.output
    report = json.loads(scored.stdout)
    assert report["kind"] == "eval" and report["examples"] == 1
    bad = runner.invoke(app, ["eval", "--pred", "-", "--ref", str(ref)], input="not json\n")
    assert bad.exit_code == 2 and bad.stderr.startswith("briefing: error: <stdin>:1:")
    both = runner.invoke(app, ["eval", "--pred", "-", "--ref", "-"], input=pred)
    assert both.exit_code == 2 and "only one input can be read from stdin" in both.stderr
    template = runner.invoke(app, ["brief", "-", "--prompt-template", "-", "-e", "extractive"], input="x")
    assert template.exit_code == 2 and "only one input" in template.stderr


def test_quiet_means_errors_only_on_every_command(seeds_dir, tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    runs = [
        ["brief", str(seeds_dir), str(tmp_path / "empty.txt"), "--model", "nobody/not-cached", "-q"],
        ["stories", str(seeds_dir), str(tmp_path / "empty.txt"), "-q"],
        ["doctor", "--model", "nobody/not-cached", "-q"],
    ]
    for args in runs:
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and result.stderr == "", (args, result.stderr)
    error = runner.invoke(app, ["brief", str(tmp_path / "empty.txt"), "-q"])
    assert error.exit_code == 2 and error.stderr.startswith("briefing: error:")


def test_config_file_sets_defaults_and_environment_overrides_it(seeds_dir, tmp_path, monkeypatch):
    folder = tmp_path / "config" / "briefing"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('[brief]\nengine = "extractive"\nformat = "json"\nmax_words = 40\n', encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = runner.invoke(app, ["brief", str(seeds_dir)])
    assert result.exit_code == 0 and result.stderr == "", result.output  # extractive: no fallback warning
    data = json.loads(result.stdout)
    assert data["settings"]["max_words"] == 40 and data["engine"] == "extractive"
    assert "[default: 40]" in runner.invoke(app, ["brief", "--help"], terminal_width=200).stdout
    monkeypatch.setenv("BRIEFING_FORMAT", "text")
    assert runner.invoke(app, ["brief", str(seeds_dir)]).stdout.split("\n", 1)[0].endswith(tuple("0123456789"))
    assert runner.invoke(app, ["brief", str(seeds_dir), "-f", "markdown"]).stdout.startswith("# ")
    (folder / "config.toml").write_text('[brief]\nengine = "fast"\nwords = 3\n[nope]\nx = 1\n', encoding="utf-8")
    bad = runner.invoke(app, ["brief", str(seeds_dir)])
    assert bad.exit_code == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(f"briefing: error: {folder / 'config.toml'}: ") for line in lines)
    assert "[brief] engine:" in bad.stderr and "unknown key 'words'" in bad.stderr and "unknown table [nope]" in bad.stderr


def test_an_engine_refusing_a_device_is_one_line_and_auto_falls_back(seeds_dir, monkeypatch):
    """The CLI side of device validation (the engine decides; see engines/abstractive.py): whatever
    EngineError the engine raises reaches the user as one line, and auto falls back."""
    from summarize import engines
    from summarize.engines.base import EngineError

    def refuse(model=None, **options):
        raise EngineError(f"--device {options['device']}: this torch build has no CUDA; use --device cpu or auto")

    real = engines.load_engine
    monkeypatch.setattr(engines, "load_engine", lambda name, model=None, **o: refuse(model, **o) if name == "abstractive" else real(name, model, **o))
    strict = runner.invoke(app, ["brief", str(seeds_dir), "-e", "abstractive", "--device", "cuda"])
    assert strict.exit_code == 1 and strict.stdout == ""
    assert strict.stderr.strip().splitlines() == ["briefing: error: --device cuda: this torch build has no CUDA; use --device cpu or auto"]
    auto = runner.invoke(app, ["brief", str(seeds_dir), "--device", "cuda"])
    assert auto.exit_code == 0 and len(auto.stderr.strip().splitlines()) == 1
    assert "using the extractive engine instead: --device cuda" in auto.stderr


def test_digest_quiet_is_errors_only(tmp_path):
    config = Path(__file__).resolve().parents[1] / "examples" / "digest.toml"
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    result = runner.invoke(app, ["digest", "--config", str(config), "--dry-run", "--output", str(tmp_path / "m.eml"), "-q"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and (tmp_path / "m.eml").exists()


def test_config_can_come_from_stdin(seeds_dir):
    result = runner.invoke(app, ["--config", "-", "brief", str(seeds_dir), "-f", "json"], input='[brief]\nengine = "extractive"\n')
    assert result.exit_code == 0 and json.loads(result.stdout)["engine"] == "extractive"
    bad = runner.invoke(app, ["--config", "-", "brief", str(seeds_dir)], input="[brief]\nengine = 3\n")
    assert bad.exit_code == 2 and bad.stderr.startswith("briefing: error: <stdin>: [brief] engine:")


def test_brief_reads_a_page_url_and_a_feed_url(news_site):
    http_server = news_site
    result = runner.invoke(app, ["brief", f"{http_server}/page.html", f"{http_server}/gazette.rss", "-e", "extractive", "-f", "json"])
    assert result.exit_code == 0, result.output
    sources = [s for story in json.loads(result.stdout)["stories"] for s in story["sources"]]
    assert {s["title"] for s in sources} >= {"Council approves budget", "Ferry service resumes after storm"}
    assert any(s["url"] == f"{http_server}/page.html" for s in sources)


def test_brief_min_and_max_new_tokens_fix_the_summary_length(seeds_dir, tiny_model_dir, tmp_path):
    # Benchmarks compare engines at equal output lengths: min = max = N tokens per generate call.
    out = tmp_path / "briefing.json"
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "abstractive", "--model", str(tiny_model_dir),
                                 "--format", "json", "--output", str(out), "--threads", "1",
                                 "--min-new-tokens", "6", "--max-new-tokens", "6"])
    assert result.exit_code == 0, result.output
    generation = json.loads(out.read_text(encoding="utf-8"))["settings"]["generation"]
    assert generation["min_new_tokens"] == 6 and generation["max_new_tokens"] == 6


def test_brief_min_new_tokens_above_max_is_one_clear_error(seeds_dir, tiny_model_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "-e", "abstractive", "--model", str(tiny_model_dir),
                                 "--min-new-tokens", "9", "--max-new-tokens", "4"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "briefing: error: --min-new-tokens 9 is more than --max-new-tokens 4"


def test_ray_actors_without_ray_is_a_usage_error(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "extractive", "--ray-actors", "2"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["briefing: error: --ray-actors needs --ray ADDRESS (auto, local or HOST:PORT)"]
    assert not result.stdout
