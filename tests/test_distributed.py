"""The summarise stage on a real local Ray: byte-identical to the single-process run.

One Ray (2 CPUs) is started for the module; each test compares a run on it
(``--ray auto`` joins the Ray this process holds) with the same run in this
process. Skipped when the ``ray`` extra is not installed.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from eval.bench import BenchSettings, run_bench  # noqa: E402
from eval.data import Example  # noqa: E402
from summarize.cli import app  # noqa: E402
from summarize.distributed import DistributedError, RayOptions, RayStoryMapper, connect  # noqa: E402
from summarize.engines import EngineError  # noqa: E402
from summarize.ingest import read_articles  # noqa: E402
from summarize.pipeline import BriefingOptions, build_briefing, build_stories, prepare_articles  # noqa: E402
from summarize.render import render  # noqa: E402

UNRELATED = Path(__file__).parent / "fixtures" / "unrelated"
NOW = dt.datetime(2025, 5, 15, 6, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """A real Ray on this machine, started once: starting one takes several seconds on 2 cores."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _articles(seeds_dir):
    """The seeds (one story) and unrelated articles: several stories, some without titles."""
    return read_articles([str(seeds_dir), str(UNRELATED)]).articles


def _briefings(articles, options, ray_options):
    """The briefing's JSON and Markdown made in this process and on Ray (the same clock)."""
    local = build_briefing(articles, options, now=NOW)
    mapper = RayStoryMapper(ray_options, options.model, options.engine_options())
    remote = build_briefing(articles, options, now=NOW, map_stories=mapper)
    return [(render(local, f), render(remote, f)) for f in ("json", "markdown")]


@pytest.mark.parametrize("backend", ["torch", "auto"])  # auto: CTranslate2 where installed
def test_abstractive_briefing_on_ray_is_byte_identical(seeds_dir, tiny_model_dir, backend):
    options = BriefingOptions(engine="abstractive", model=str(tiny_model_dir), threads=1, max_words=60,
                              backend=backend, generation={"max_new_tokens": 8})
    # one story per call: every story crosses to the worker on its own (one actor: each
    # loads torch, slow on 2 shared cores; the extractive tests below use two)
    (json_here, json_ray), (markdown_here, markdown_ray) = _briefings(
        _articles(seeds_dir), options, RayOptions("auto", actors=1, batch_size=1))
    assert markdown_ray == markdown_here
    here, there = json.loads(json_here), json.loads(json_ray)
    # the work the actors did is counted: tokens fed and generated as here; generate calls and
    # padding depend on which chunks shared a batch (one story per call there)
    usage_here, usage_there = here.pop("engine_usage"), there.pop("engine_usage")
    for name in ("input_tokens", "output_tokens"):
        assert usage_there[name] == usage_here[name] > 0
    assert there == here and len(here["stories"]) >= 2


def test_brief_command_with_ray_auto_prints_the_same_briefing(seeds_dir):
    runner = CliRunner()
    command = ["brief", str(seeds_dir), str(UNRELATED), "--engine", "extractive", "--format", "json"]
    here = runner.invoke(app, command)
    on_ray = runner.invoke(app, [*command, "--ray", "auto", "--ray-actors", "2"])
    assert here.exit_code == 0 and on_ray.exit_code == 0, on_ray.output
    # the same briefing apart from the moment it was made
    first, second = json.loads(here.stdout), json.loads(on_ray.stdout)
    assert first.pop("generated_at") and second.pop("generated_at")
    assert first == second and len(first["stories"]) >= 2


def test_bench_predictions_on_ray_are_identical(tmp_path):
    examples = [
        Example("c1", ["Russia and Ukraine held direct peace talks in Istanbul on Friday. The talks lasted two hours.",
                       "Turkey hosted the first direct talks between the two countries in three years."],
                ["Russia and Ukraine met in Istanbul."]),
        Example("c2", ["The central bank cut interest rates to 4.25 percent. Shares rose 3% after the decision."],
                ["The central bank cut rates."]),
        Example("c3", ["Scientists found a new species of frog in Peru. The frog is smaller than a coin."],
                ["A new frog was found in Peru."]),
    ]
    settings = BenchSettings(dataset="fixture", words=30, resamples=50)
    systems = ["extractive"]
    run_bench(settings, systems, examples, tmp_path / "here")
    report = run_bench(settings, systems, examples, tmp_path / "ray", ray=RayOptions("auto", actors=2, batch_size=1))
    assert not report.errors
    name = "predictions-extractive.jsonl"
    here, there = (tmp_path / "here" / name).read_bytes(), (tmp_path / "ray" / name).read_bytes()
    assert there == here and len(here.splitlines()) == 3
    timings = [json.loads(line) for line in (tmp_path / "ray" / "timings-extractive.jsonl").read_text().splitlines()]
    assert [t["id"] for t in timings] == ["c1", "c2", "c3"] and all(t["seconds"] > 0 for t in timings)


def test_digest_on_ray_delivers_the_same_feed(tmp_path, seeds_dir):
    from digest_support import digest_config
    from summarize.digest.config import load_config
    from summarize.digest.runner import EXIT_OK, run_digest

    feeds = {}
    for name, run in (("here", {}), ("ray", {"ray": "auto", "ray_actors": 2})):
        folder = tmp_path / name
        folder.mkdir()
        feed = {"path": str(folder / "feed.xml"), "title": "Briefing"}
        path = digest_config(folder, [seeds_dir, UNRELATED], mail=None, window={"since": "100000d"}, **{"delivery.feed": feed},
                             **({"run": run} if run else {}))
        config = load_config(path, environ={})
        assert config.ray == run.get("ray")
        result = run_digest(config, clock=lambda: NOW)
        assert result.exit_code == EXIT_OK, result.message
        feeds[name] = (folder / "feed.xml").read_text(encoding="utf-8").replace(str(folder), "FOLDER")
    # entry ids hold the digest's Message-ID, made afresh for every digest
    assert _without_ids(feeds["ray"]) == _without_ids(feeds["here"])
    assert feeds["here"].count("<entry>") >= 2


def _without_ids(feed: str) -> str:
    import re

    return re.sub(r"<id>[^<]*</id>", "<id/>", feed)


def test_an_engine_failing_on_the_workers_is_an_engine_error(seeds_dir):
    stories = build_stories(prepare_articles(_articles(seeds_dir))[0])
    mapper = RayStoryMapper(RayOptions("auto", actors=1), "/no/such/model", {})
    with pytest.raises(EngineError, match="no such model directory"):
        mapper(stories, types.SimpleNamespace(name="abstractive"), 60, "remove", {}, False)


def test_unreachable_cluster_is_one_line(seeds_dir):
    result = CliRunner().invoke(app, ["brief", str(seeds_dir), "--engine", "extractive", "--ray", "127.0.0.1:1"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach a Ray cluster at 127.0.0.1:1" in lines[0]


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(DistributedError, match=r"pip install -e '\.\[ray\]'"):
        connect("auto")


def test_without_ray_the_pipeline_never_imports_it(seeds_dir):
    code = ("import sys; from summarize.cli import main; sys.argv = ['briefing', 'brief', sys.argv[1], '-e', 'extractive', "
            "'-o', '/dev/null']\ntry:\n    main()\nexcept SystemExit:\n    pass\nprint('ray' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(seeds_dir)], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
