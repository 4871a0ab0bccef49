"""``briefing brief`` and ``briefing bench`` with the instruction engines, end to end on tiny models."""

import json

from openai_support import free_port
from typer.testing import CliRunner

from eval.systems import build_system, split_model_url, system_slug
from summarize.cli import app

runner = CliRunner()


def brief_json(*args: str) -> dict:
    result = runner.invoke(app, ["brief", *args, "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_brief_with_a_chat_model(seeds_dir, tiny_chat_dir):
    briefing = brief_json(str(seeds_dir), "--engine", "chat", "--model", str(tiny_chat_dir), "--max-new-tokens", "8")
    assert briefing["engine"] == "chat" and briefing["model"] == str(tiny_chat_dir)
    assert briefing["settings"]["context_tokens"] == 1024 and briefing["stories"]


def test_brief_through_an_openai_compatible_server(seeds_dir, tiny_chat_dir, chat_server):
    briefing = brief_json(
        str(seeds_dir), "--engine", "openai", "--base-url", chat_server, "--model", str(tiny_chat_dir),
        "--tokenizer", str(tiny_chat_dir), "--context-tokens", "1024", "--max-new-tokens", "8", "--max-concurrency", "2",
    )
    assert briefing["engine"] == "openai" and briefing["model"] == str(tiny_chat_dir)
    assert briefing["settings"]["base_url"] == chat_server and briefing["stories"]


def test_server_down_is_one_line_and_auto_falls_back(seeds_dir):
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "openai", "--base-url", url, "--model", "qwen3:4b"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"briefing: error: cannot reach the server at {url} (Connection refused); is it running?"]
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["brief", str(seeds_dir), "--base-url", url, "--model", "qwen3:4b"])
    assert result.exit_code == 0 and "using the extractive engine instead" in result.stderr
    assert f"model unavailable, using the extractive engine instead: cannot reach the server at {url}" in result.stderr
    assert "the summarisation model could not be loaded" in result.stdout  # the raw reason stays on stderr and in JSON


def test_server_failing_mid_run_is_one_line(seeds_dir, fault_server):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "openai", "--base-url", fault_server.url("always500-cli"),
                                 "--model", "tiny", "--retries", "0"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [f"briefing: error: {fault_server.url('always500-cli')} answered 500 (model crashed)"]


def test_seq2seq_and_extractive_engines_say_they_cannot_translate(seeds_dir):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "extractive", "--language", "de"])
    assert result.exit_code == 0
    assert "cannot translate" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bench_specs_for_instruction_engines():
    assert split_model_url("qwen3:4b@http://localhost:11434/v1") == ("qwen3:4b", "http://localhost:11434/v1")
    assert split_model_url("me@home/model@https://h/v1") == ("me@home/model", "https://h/v1")
    assert split_model_url("qwen3:4b") == ("qwen3:4b", None)
    assert system_slug("openai:qwen3:4b@http://localhost:11434/v1") == "openai-qwen3_4b"
    assert system_slug("chat:/models/Qwen3-0.6B/") == "chat-Qwen3-0.6B"
    for spec, message in (("openai:qwen3:4b", "openai:MODEL@URL"), ("chat", "chat:MODEL_ID_OR_DIR")):
        try:
            build_system(spec)
        except Exception as exc:  # noqa: BLE001
            assert message in str(exc)
        else:
            raise AssertionError(spec)


def test_bench_runs_chat_and_openai_systems_with_the_guard_column(tmp_path, tiny_chat_dir, chat_server):
    from test_bench import write_dataset

    dataset = write_dataset(tmp_path / "data.jsonl")
    out = tmp_path / "out"
    result = runner.invoke(app, [
        "bench", "--dataset", str(dataset), "--system", "lead", "--system", f"chat:{tiny_chat_dir}",
        "--system", f"openai:{tiny_chat_dir}@{chat_server}", "--words", "20", "--out", str(out),
        "--context-tokens", "1024", "--tokenizer", str(tiny_chat_dir), "--resamples", "10", "--quiet",
    ])
    assert result.exit_code == 0, result.output
    table = (out / "results.md").read_text()
    assert "guard removed %" in table and f"`chat:{tiny_chat_dir}`" in table
    rows = {s["system"]: s for s in json.loads((out / "results.json").read_text())["systems"]}
    assert rows["lead"]["metrics"]["guard_removed_share"] is None
    for spec in (f"chat:{tiny_chat_dir}", f"openai:{tiny_chat_dir}@{chat_server}"):
        assert rows[spec]["description"]["engine"] == spec.split(":")[0]
        share = rows[spec]["metrics"]["guard_removed_share"]
        assert share is None or 0.0 <= share <= 1.0
    timings = [json.loads(line) for line in (out / f"timings-{system_slug(f'chat:{tiny_chat_dir}')}.jsonl").read_text().splitlines()]
    assert all("guarded_sentences" in row and "guard_removed" in row for row in timings)
