import csv
import json
import time

import pytest
from typer.testing import CliRunner

from eval import systems
from eval.bench import BenchSettings, run_bench
from eval.data import DataError, Example
from eval.resources import peak_memory_mb
from summarize.cli import app

EXAMPLES = [
    Example(
        "c1",
        [
            "Russia and Ukraine held direct peace talks in Istanbul on Friday. The talks lasted two hours.",
            "Turkey hosted the first direct talks between Russia and Ukraine in three years. No ceasefire was agreed.",
        ],
        ["Russia and Ukraine held their first direct talks in three years in Istanbul.", "Talks in Istanbul ended without a ceasefire."],
    ),
    Example(
        "c2",
        ["The central bank cut interest rates to 4.25 percent. Shares rose 3% after the decision."],
        ["Shares rose after the central bank cut rates to 4.25 percent."],
    ),
    Example(
        "c3",
        ["Scientists found a new species of frog in Peru. The frog is smaller than a coin."],
        ["A tiny new frog species was found in Peru."],
    ),
]


def write_dataset(path):
    path.write_text("".join(json.dumps({"id": e.id, "documents": e.documents, "summaries": e.references}) + "\n" for e in EXAMPLES))
    return path


class CountingSystem:
    """Lead, counting calls; raises on the call numbered ``fail_at`` (1-based) when set."""

    calls = 0
    fail_at: int | None = None

    def __init__(self, spec):
        self.name = spec
        self._lead = systems.LeadSystem(spec)

    def summarize(self, documents, max_words):
        CountingSystem.calls += 1
        if CountingSystem.fail_at is not None and CountingSystem.calls == CountingSystem.fail_at:
            raise RuntimeError("simulated crash\nwith a second line")
        return self._lead.summarize(documents, max_words)

    def describe(self):
        return {"system": self.name}


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.setitem(systems.SYSTEMS, "counting", lambda spec, arg, options: CountingSystem(spec))
    CountingSystem.calls = 0
    CountingSystem.fail_at = None
    return CountingSystem


def test_bench_writes_every_file(tmp_path):
    settings = BenchSettings(dataset="fixture", words=30, resamples=200)
    report = run_bench(settings, ["lead", "extractive"], EXAMPLES, tmp_path)
    assert report.errors == []
    names = {p.name for p in tmp_path.iterdir()}
    assert {"results.json", "results.csv", "results.md", "results.png", "predictions-lead.jsonl", "predictions-extractive.jsonl"} <= names
    lines = [json.loads(l) for l in (tmp_path / "predictions-lead.jsonl").read_text().splitlines()]
    assert [set(l) for l in lines] == [{"id", "summary"}] * 3 and [l["id"] for l in lines] == ["c1", "c2", "c3"]
    results = json.loads((tmp_path / "results.json").read_text())
    lead = results["systems"][0]
    assert lead["system"] == "lead" and lead["metrics"]["examples"] == 3
    assert 0 < lead["metrics"]["rouge2_f"] <= 1 and lead["metrics"]["rouge2_low"] <= lead["metrics"]["rouge2_f"]
    assert lead["metrics"]["seconds_per_example"] >= 0 and lead["metrics"]["peak_memory_mb"] > 0
    assert lead["metrics"]["words_per_summary"] <= 30
    assert [e["id"] for e in lead["entities"]["examples"]] == ["c1", "c2", "c3"]
    assert all("unsupported" in e for e in lead["entities"]["examples"])
    assert "mean over" in results["settings"]["multi_reference"]
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert [r["system"] for r in rows] == ["lead", "extractive"]
    table = (tmp_path / "results.md").read_text()
    assert "| `lead` | 3 |" in table and "ROUGE-2 F1" in table
    assert (tmp_path / "results.png").read_bytes()[:4] == b"\x89PNG"


def test_same_seed_same_intervals(tmp_path):
    settings = BenchSettings(dataset="fixture", words=30, resamples=200, seed=3)
    a = run_bench(settings, ["lead"], EXAMPLES, tmp_path / "a").systems[0]
    b = run_bench(settings, ["lead"], EXAMPLES, tmp_path / "b").systems[0]
    assert a.rouge.to_dict() == b.rouge.to_dict()


def test_interrupted_run_resumes_without_redoing_examples(tmp_path, counting):
    settings = BenchSettings(dataset="fixture", words=30, resamples=100)
    counting.fail_at = 3
    report = run_bench(settings, ["counting", "lead"], EXAMPLES, tmp_path)
    assert len(report.errors) == 1 and "simulated crash" in report.errors[0] and "\n" not in report.errors[0]
    assert [s.spec for s in report.systems] == ["lead"]  # the other system still ran
    assert len((tmp_path / "predictions-counting.jsonl").read_text().splitlines()) == 2
    counting.fail_at = None
    counting.calls = 0
    report = run_bench(settings, ["counting", "lead"], EXAMPLES, tmp_path)
    assert report.errors == [] and counting.calls == 1  # only the unfinished example
    assert [s.resumed_examples for s in report.systems] == [2, 3]
    ids = [json.loads(l)["id"] for l in (tmp_path / "predictions-counting.jsonl").read_text().splitlines()]
    assert ids == ["c1", "c2", "c3"]


class SlowFirstBuildSystem(CountingSystem):
    """Lead that takes 50 ms an example in the first build only (a busy moment on the machine)."""

    builds = 0

    def __init__(self, spec):
        super().__init__(spec)
        SlowFirstBuildSystem.builds += 1
        self.slow = SlowFirstBuildSystem.builds == 1

    def summarize(self, documents, max_words):
        if self.slow:
            time.sleep(0.05)
        return super().summarize(documents, max_words)


def test_timing_runs_keep_each_examples_fastest_run_of_fresh_systems(tmp_path, monkeypatch, counting):
    monkeypatch.setitem(systems.SYSTEMS, "slow-first", lambda spec, arg, options: SlowFirstBuildSystem(spec))
    SlowFirstBuildSystem.builds = 0
    settings = BenchSettings(dataset="fixture", words=30, resamples=100, timing_runs=3)
    report = run_bench(settings, ["slow-first"], EXAMPLES, tmp_path)
    assert report.errors == []
    assert SlowFirstBuildSystem.builds == 3 and counting.calls == 9  # every example, once per fresh system
    timings = [json.loads(l) for l in (tmp_path / "timings-slow-first.jsonl").read_text().splitlines()]
    assert [t["runs"] for t in timings] == [3, 3, 3]
    assert all(t["seconds"] < 0.05 for t in timings)  # the slow first run is not what is reported
    assert report.systems[0].seconds_per_example < 0.05
    lead = run_bench(BenchSettings(dataset="fixture", words=30, resamples=100), ["lead"], EXAMPLES, tmp_path / "lead")
    assert report.systems[0].rouge.to_dict() == lead.systems[0].rouge.to_dict()  # predictions: the first run's
    assert json.loads((tmp_path / "results.json").read_text())["settings"]["timing_runs"] == 3
    # resuming: examples timed often enough are not timed again; asking for more runs adds only those
    run_bench(settings, ["slow-first"], EXAMPLES, tmp_path)
    assert SlowFirstBuildSystem.builds == 3
    run_bench(BenchSettings(dataset="fixture", words=30, resamples=100, timing_runs=4), ["slow-first"], EXAMPLES, tmp_path)
    assert SlowFirstBuildSystem.builds == 4 and counting.calls == 12
    assert [json.loads(l)["runs"] for l in (tmp_path / "timings-slow-first.jsonl").read_text().splitlines()] == [4, 4, 4]


def test_a_system_failing_in_a_timing_run_keeps_its_first_run(tmp_path, counting):
    counting.fail_at = 5  # the second example of the second run
    report = run_bench(BenchSettings(dataset="fixture", words=30, resamples=100, timing_runs=2), ["counting", "lead"], EXAMPLES, tmp_path)
    assert len(report.errors) == 1 and "'counting' failed in timing run 2: simulated crash" in report.errors[0]
    assert [s.spec for s in report.systems] == ["counting", "lead"]  # still scored, with its first run's seconds
    assert [json.loads(l).get("runs", 1) for l in (tmp_path / "timings-counting.jsonl").read_text().splitlines()] == [1, 1, 1]
    assert [json.loads(l)["runs"] for l in (tmp_path / "timings-lead.jsonl").read_text().splitlines()] == [2, 2, 2]


def test_resuming_with_other_settings_is_refused(tmp_path):
    run_bench(BenchSettings(dataset="fixture", words=30, resamples=100), ["lead"], EXAMPLES, tmp_path)
    with pytest.raises(DataError, match="words 30 -> 50"):
        run_bench(BenchSettings(dataset="fixture", words=50, resamples=100), ["lead"], EXAMPLES, tmp_path)


def test_peak_memory_is_measured():
    assert peak_memory_mb() > 10


# --- the commands --------------------------------------------------------------------

runner = CliRunner()


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def eval_files(tmp_path):
    pred = write_jsonl(tmp_path / "pred.jsonl", [{"id": "c1", "summary": "Zelensky met Putin in Istanbul."}, {"id": "c2", "summary": "Rates fell."}])
    ref = write_jsonl(tmp_path / "ref.jsonl", [{"id": "c1", "summaries": ["Zelenskiy met officials in Istanbul.", "Talks in Istanbul."]}, {"id": "c2", "summary": "The bank cut rates."}])
    src = write_jsonl(tmp_path / "src.jsonl", [{"id": "c1", "documents": ["Volodymyr Zelenskiy flew to Istanbul."]}, {"id": "c2", "documents": ["The bank cut rates."]}])
    return pred, ref, src


def test_eval_command_table_and_json(eval_files, tmp_path):
    pred, ref, src = eval_files
    result = runner.invoke(app, ["eval", "--pred", str(pred), "--ref", str(ref), "--sources", str(src)])
    assert result.exit_code == 0, result.output
    assert "ROUGE-Lsum" in result.stdout and "precision-source" in result.stdout
    assert "c1: Putin" in result.stdout  # unsupported entities are listed
    out = tmp_path / "scores.json"
    result = runner.invoke(app, ["eval", "--pred", str(pred), "--ref", str(ref), "--sources", str(src), "--format", "json", "-o", str(out), "--seed", "5"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload == json.loads(out.read_text())
    assert payload["entities"]["examples"][0]["unsupported"] == ["Putin"]
    assert payload["rouge"]["settings"]["multi_reference"] == "mean over references per example"
    again = runner.invoke(app, ["eval", "--pred", str(pred), "--ref", str(ref), "--sources", str(src), "--format", "json", "--seed", "5"])
    assert json.loads(again.stdout)["rouge"] == payload["rouge"]


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "no such file"),
        ("not-json", "pred.jsonl:2: invalid JSON"),
        ("no-field", "pred.jsonl:1: row has no 'summary' field"),
        ("ids", "ids do not match"),
    ],
)
def test_eval_command_bad_input(eval_files, tmp_path, case, message):
    pred, ref, src = eval_files
    if case == "missing":
        pred = tmp_path / "nope.jsonl"
    elif case == "not-json":
        pred.write_text('{"id": "c1", "summary": "x"}\n{oops\n')
    elif case == "no-field":
        write_jsonl(pred, [{"id": "c1", "text": "x"}, {"id": "c2", "summary": "y"}])
    elif case == "ids":
        write_jsonl(pred, [{"id": "c1", "summary": "x"}, {"id": "c9", "summary": "y"}])
    result = runner.invoke(app, ["eval", "--pred", str(pred), "--ref", str(ref), "--sources", str(src)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_eval_warns_on_non_latin_text(tmp_path):
    pred = write_jsonl(tmp_path / "p.jsonl", [{"id": "1", "summary": "俄罗斯和乌克兰举行了和平谈判。"}])
    ref = write_jsonl(tmp_path / "r.jsonl", [{"id": "1", "summary": "俄罗斯和乌克兰举行了谈判。"}])
    result = runner.invoke(app, ["eval", "--pred", str(pred), "--ref", str(ref)])
    assert result.exit_code == 0 and "unicode tokenizer" in result.stderr
    result = runner.invoke(app, ["eval", "--pred", str(pred), "--ref", str(ref), "--tokenizer", "unicode", "--format", "json"])
    assert json.loads(result.stdout)["rouge"]["scores"]["rouge1"]["fmeasure"]["mean"] > 0.5


def test_bench_command_with_all_system_kinds(tmp_path, tiny_model_dir):
    data = write_dataset(tmp_path / "data.jsonl")
    out = tmp_path / "out"
    args = ["bench", "--dataset", str(data), "--system", "lead", "--system", "extractive",
            "--system", f"abstractive:{tiny_model_dir}", "--words", "30", "--limit", "2", "--out", str(out),
            "--cache-dir", str(tmp_path / "cache"), "--threads", "1", "--resamples", "100", "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    slug = f"abstractive-{tiny_model_dir.name}"
    for name in ("results.json", "results.csv", "results.md", "results.png", "predictions-lead.jsonl",
                 "predictions-extractive.jsonl", f"predictions-{slug}.jsonl"):
        assert (out / name).exists(), name
    assert "| `extractive` | 2 |" in result.stdout
    results = json.loads((out / "results.json").read_text())
    settings = results["settings"]
    assert settings["command"].startswith(f"briefing bench --dataset {data} --limit 2 --system lead")
    usage = {system["system"]: system["engine_usage"] for system in results["systems"]}
    assert usage["lead"] is None and usage["extractive"] is None  # no model, nothing generated
    model_usage = usage[f"abstractive:{tiny_model_dir}"]  # summed over the 2 examples
    assert model_usage["generate_calls"] >= 2 and 0 < model_usage["input_tokens"] <= model_usage["padded_input_tokens"]
    assert model_usage["output_tokens"] > 0


def test_bench_command_errors(tmp_path):
    data = write_dataset(tmp_path / "data.jsonl")
    result = runner.invoke(app, ["bench", "--dataset", str(data), "--system", "gpt", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "unknown system 'gpt'" in result.stderr
    result = runner.invoke(app, ["bench", "--dataset", str(tmp_path / "none.jsonl"), "--system", "lead"])
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = runner.invoke(app, ["bench", "--dataset", str(data), "--system", "lead", "--id-column", "key",
                                 "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 2 and "no column 'key'" in result.stderr
    # one system cannot load: reported in one line, the other still runs, exit 1
    out = tmp_path / "o2"
    result = runner.invoke(app, ["bench", "--dataset", str(data), "--system", f"abstractive:{tmp_path / 'missing'}",
                                 "--system", "lead", "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--quiet"])
    assert result.exit_code == 1
    assert "system 'abstractive:" in result.stderr
    assert (out / "predictions-lead.jsonl").exists() and (out / "results.json").exists()


def test_bench_command_timing_runs(tmp_path):
    data = write_dataset(tmp_path / "data.jsonl")
    out = tmp_path / "out"
    args = ["bench", "--dataset", str(data), "--system", "extractive", "--words", "30", "--out", str(out),
            "--cache-dir", str(tmp_path / "cache"), "--resamples", "100", "--quiet"]
    result = runner.invoke(app, args + ["--timing-runs", "2"])
    assert result.exit_code == 0, result.output
    settings = json.loads((out / "results.json").read_text())["settings"]
    assert settings["timing_runs"] == 2 and settings["command"].endswith("--timing-runs 2")
    assert [json.loads(l)["runs"] for l in (out / "timings-extractive.jsonl").read_text().splitlines()] == [2, 2, 2]
    result = runner.invoke(app, args + ["--timing-runs", "0"])
    assert result.exit_code == 2 and "--timing-runs" in result.stderr
