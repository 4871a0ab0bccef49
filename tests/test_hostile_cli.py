"""The real command line against a catalogue of hostile inputs (issue 14).

Each case runs `briefing` (Typer's runner over the real app) on one bad input
beside good ones and checks: the exit code; exactly one clear line on stderr,
naming the input; no traceback; the good inputs of the same run still in the
briefing.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize import cli

runner = CliRunner()
GOOD_TEXT = "The council approved the budget on Tuesday. The mayor said the plan takes effect in June."
GOOD_ROWS = [{"id": f"good{i}", "text": f"Good article {i}: " + GOOD_TEXT} for i in range(2)]


@dataclass
class Case:
    """A bad input beside the seed articles: how to make it, and what the run must show."""

    make: object  # (tmp_path, tiny_model_dir) -> (extra args, stdin bytes or None)
    exit_code: int
    names: str  # the input the stderr line must name ("" when stderr must be empty)
    reason: str
    options: list[str] = field(default_factory=lambda: ["-e", "extractive"])


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _jsonl_with(bad_line: str):
    def make(tmp, _model):
        lines = [json.dumps(GOOD_ROWS[0]), bad_line, json.dumps(GOOD_ROWS[1])]
        return [str(_write(tmp / "mixed.jsonl", "\n".join(lines) + "\n"))], None
    return make


def _fifo(tmp, _model):
    os.mkfifo(tmp / "pipe.txt")
    return [str(tmp / "pipe.txt")], None


def _symlink(target):
    def make(tmp, _model):
        (tmp / "link.txt").symlink_to(target(tmp) if callable(target) else target)
        return [str(tmp / "link.txt")], None
    return make


def _loop(tmp, _model):
    (tmp / "a.txt").symlink_to(tmp / "b.txt")
    (tmp / "b.txt").symlink_to(tmp / "a.txt")
    return [str(tmp / "a.txt")], None


def _in_folder(setup):
    def make(tmp, _model):
        folder = tmp / "folder"
        _write(folder / "good.txt", GOOD_TEXT)
        setup(folder)
        return [str(folder)], None
    return make


def _stdin(data: bytes):
    return lambda tmp, _model: (["-"], data)


def _model_copy(change):
    def make(tmp, model):
        copy = Path(shutil.copytree(model, tmp / "model"))
        change(copy)
        return ["--model", str(copy)], None
    return make


def _truncate(model: Path) -> None:
    weights = model / "model.safetensors"
    with weights.open("r+b") as fh:
        fh.truncate(weights.stat().st_size // 2)


def _pickle_only(model: Path) -> None:
    import torch

    (model / "model.safetensors").unlink()
    torch.save({"w": torch.zeros(1)}, model / "pytorch_model.bin")


def _template(content: bytes):
    def make(tmp, model):
        return ["--model", str(model), "--prompt-template", str(_write(tmp / "prompt.j2", content))], None
    return make


def _good_model(*options):
    return lambda tmp, model: (["--model", str(model), *options], None)


ABSTRACTIVE = ["-e", "abstractive", "--threads", "1", "--max-new-tokens", "4"]
AUTO = ["--threads", "1", "--max-new-tokens", "4"]
CASES = {
    # files and folders
    "jsonl line nested 100,000 deep": Case(_jsonl_with("[" * 100_000 + "]" * 100_000), 0, "mixed.jsonl:2", "nested too deeply"),
    "jsonl line with a 5,000-digit number": Case(_jsonl_with('{"text": "x", "n": ' + "9" * 5000 + "}"), 0, "mixed.jsonl:2", "more than 4300 digits"),
    "FIFO named": Case(_fifo, 2, "pipe.txt", "is a named pipe (FIFO), not a regular file"),
    "/dev/zero named through a symlink": Case(_symlink("/dev/zero"), 2, "link.txt", "is a character device"),
    "dangling symlink named": Case(_symlink(lambda tmp: tmp / "gone.txt"), 2, "link.txt", "dangling symlink"),
    "symlink loop named": Case(_loop, 2, "a.txt", "symlink loop"),
    "missing path named": Case(lambda tmp, _m: ([str(tmp / "nope.txt")], None), 2, "nope.txt", "no such file or folder"),
    "file over --max-file-mb": Case(lambda tmp, _m: ([str(_write(tmp / "big.txt", "word " * 300_000)), "--max-file-mb", "1"], None),
                                    2, "big.txt", "over the limit of 1 MiB"),
    "binary file": Case(lambda tmp, _m: ([str(_write(tmp / "x.txt", bytes(range(256)) * 4))], None), 0, "x.txt", "looks like a binary file"),
    "file name with a newline": Case(lambda tmp, _m: ([str(_write(tmp / "new\nline.txt", ""))], None), 0, "new\\nline.txt'", "file is empty"),
    "FIFO in a folder": Case(_in_folder(lambda f: os.mkfifo(f / "pipe.txt")), 0, "pipe.txt", "is a named pipe (FIFO)"),
    "symlink loop in a folder": Case(_in_folder(lambda f: (f / "l.txt").symlink_to(f / "l.txt")), 0, "l.txt", "symlink loop"),
    "dangling symlink in a folder": Case(_in_folder(lambda f: (f / "d.txt").symlink_to(f / "gone")), 0, "d.txt", "dangling symlink"),
    "boilerplate-only page in a folder": Case(_in_folder(lambda f: _write(f / "banner.html", (
        "<html><body><div>We use cookies to improve your experience. Accept all cookies.</div>"
        "<nav>Home News</nav></body></html>"))), 0, "banner.html", "no text left after removing boilerplate"),
    "a 2 MB line without punctuation": Case(lambda tmp, _m: ([str(_write(tmp / "line.txt", " ".join(["word"] * 400_000)))], None),
                                            0, "line.txt", "1 line longer than 1,000,000 characters cut"),
    "UTF-16 file without a byte order mark": Case(lambda tmp, _m: ([str(_write(tmp / "u.txt", GOOD_TEXT.encode("utf-16-le")))], None), 0, "", ""),
    # stdin
    "cp1252 on stdin": Case(_stdin("Le caf\xe9 a ferm\xe9 \u2019 mardi, a dit le maire.".encode("cp1252")), 0, "", ""),
    "binary on stdin": Case(_stdin(b"\x00\x01\x02" * 100), 0, "<stdin>", "looks like a binary file"),
    # models, templates and options
    "truncated model.safetensors": Case(_model_copy(_truncate), 1, "model", "cannot load a seq2seq model", ABSTRACTIVE),
    "truncated model.safetensors under auto": Case(_model_copy(_truncate), 0, "model", "using the extractive engine instead", AUTO),
    "pickle-only checkpoint": Case(_model_copy(_pickle_only), 1, "pytorch_model.bin", "only safetensors are loaded", ABSTRACTIVE),
    # (--device takes auto, cpu, cuda or mps: Typer refuses others; the engine refuses what torch cannot use)
    "--device cuda on the CPU build of torch": Case(_good_model("--device", "cuda"), 1, "'cuda'", "is not available", ABSTRACTIVE),
    "--device cuda under auto": Case(_good_model("--device", "cuda"), 0, "'cuda'", "using the extractive engine instead", AUTO),
    "--max-new-tokens past the positions": Case(_good_model("--max-new-tokens", "100000"), 1, "100000", "use at most 127",
                                                ["-e", "abstractive", "--threads", "1"]),
    "template with a syntax error": Case(_template(b"{{ text "), 1, "prompt.j2", "not a valid Jinja2 template", ABSTRACTIVE),
    "template with an undefined variable": Case(_template(b"{{ nope }} {{ text }}"), 1, "prompt.j2", "'nope' is undefined", ABSTRACTIVE),
    "binary template": Case(_template(b"\xff\xfe\x00\x01\x02"), 1, "prompt.j2", "not UTF-8 text", ABSTRACTIVE),
}


@pytest.mark.parametrize("name", list(CASES))
def test_brief_on_a_hostile_input(name, tmp_path, seeds_dir, tiny_model_dir):
    case = CASES[name]
    if "cuda" in name:
        import torch

        if torch.cuda.is_available():
            pytest.skip("a GPU is visible")
    args, stdin = case.make(tmp_path, tiny_model_dir)
    result = runner.invoke(cli.app, ["brief", *args, str(seeds_dir), "-f", "text", *case.options], input=stdin)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    if case.names:
        assert len(lines) == 1, lines
        assert case.names in lines[0] and case.reason in lines[0], lines[0]
        assert lines[0].startswith("briefing: ")
    else:
        assert lines == []
    assert result.exit_code == case.exit_code, result.output
    if case.exit_code != 1:  # the engine failing is the only case with no briefing
        assert "Sources (5):" in result.stdout  # the seeds' story is there


def test_dev_zero_on_stdin_costs_the_size_limit_in_a_real_process(seeds_dir):
    import subprocess

    command = [sys.executable, "-c", "from summarize.cli import main; main()",
               "brief", "-", str(seeds_dir), "-e", "extractive", "-f", "text", "--max-file-mb", "1"]
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(command, stdin=zero, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["briefing: error: <stdin>: more than the limit of 1 MiB"]
    assert "Sources (5):" in done.stdout


@pytest.mark.parametrize("command", ["stories", "brief"])
def test_a_named_fifo_never_blocks_any_reading_command(command, tmp_path, seeds_dir):
    os.mkfifo(tmp_path / "pipe.jsonl")
    engine = ["-e", "extractive"] if command == "brief" else []
    result = runner.invoke(cli.app, [command, str(tmp_path / "pipe.jsonl"), str(seeds_dir), *engine])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"briefing: error: {tmp_path / 'pipe.jsonl'}: is a named pipe (FIFO), not a regular file"]
    assert result.stdout  # the briefing (or the stories) of the seeds


@pytest.mark.parametrize("bad_line, reason", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply to read"),
    ('{"id": ' + "9" * 5000 + ', "summary": "s"}', "a number of more than 4300 digits"),
])
def test_eval_on_a_pathological_jsonl_line_exits_2_with_one_line(bad_line, reason, tmp_path):
    _write(tmp_path / "pred.jsonl", json.dumps({"id": "a", "summary": "s"}) + "\n" + bad_line + "\n")
    _write(tmp_path / "ref.jsonl", json.dumps({"id": "a", "summary": "s"}) + "\n")
    result = runner.invoke(cli.app, ["eval", "--pred", str(tmp_path / "pred.jsonl"), "--ref", str(tmp_path / "ref.jsonl")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"briefing: error: {tmp_path / 'pred.jsonl'}:2: invalid JSON ({reason})"]


def test_eval_on_a_fifo_exits_2_at_once(tmp_path):
    os.mkfifo(tmp_path / "pred.jsonl")
    _write(tmp_path / "ref.jsonl", json.dumps({"id": "a", "summary": "s"}) + "\n")
    result = runner.invoke(cli.app, ["eval", "--pred", str(tmp_path / "pred.jsonl"), "--ref", str(tmp_path / "ref.jsonl")])
    assert result.exit_code == 2 and "is a named pipe (FIFO)" in result.stderr


def test_bench_on_a_pathological_dataset_line_exits_2_with_one_line(tmp_path):
    row = {"id": "x", "documents": ["A council met."], "summary": "It met."}
    _write(tmp_path / "data.jsonl", json.dumps(row) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    result = runner.invoke(cli.app, ["bench", "--dataset", str(tmp_path / "data.jsonl"), "--system", "lead",
                                     "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"briefing: error: {tmp_path / 'data.jsonl'}:2: invalid JSON (nested too deeply to read)"]


# --- the catch-all: an unexpected internal error -----------------------------------------


def _boom(*args, **kwargs):
    raise RuntimeError("something nobody expected\nsecond line")


def test_an_internal_error_is_one_line_with_a_hint_and_exit_1(monkeypatch, capsys, seeds_dir):
    monkeypatch.setattr("summarize.pipeline.build_briefing", _boom)
    monkeypatch.setattr(sys, "argv", ["briefing", "brief", str(seeds_dir), "-e", "extractive"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "briefing: internal error: RuntimeError: something nobody expected (a bug; rerun with --debug to see the traceback)"
    ]


def test_debug_shows_the_traceback(monkeypatch, seeds_dir):
    monkeypatch.setattr("summarize.pipeline.build_briefing", _boom)
    monkeypatch.setattr(sys, "argv", ["briefing", "--debug", "brief", str(seeds_dir), "-e", "extractive"])
    try:
        with pytest.raises(RuntimeError, match="something nobody expected"):
            cli.main()
    finally:
        cli._debug = False
