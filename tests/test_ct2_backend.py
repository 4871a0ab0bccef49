"""The abstractive engine's CTranslate2 backend, on tiny models converted for real.

Skipped as a whole when ctranslate2 is not installed (it is the optional
``[ct2]`` extra; ``make install-dev`` installs it).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ctranslate2 = pytest.importorskip("ctranslate2")

from typer.testing import CliRunner  # noqa: E402

from summarize.cli import app  # noqa: E402
from summarize.engines import EngineError, load_engine  # noqa: E402
from summarize.engines import ct2_backend  # noqa: E402
from summarize.engines.abstractive import AbstractiveSummarizer  # noqa: E402
from summarize.models import Chunk, Sentence  # noqa: E402
from summarize.pipeline import BriefingOptions  # noqa: E402

runner = CliRunner()
TEXTS = [
    "Russia and Ukraine held their first direct peace talks in three years in Istanbul.",
    "Shares rose 3% after the central bank cut interest rates to 4.25 percent on Monday.",
    "Scientists found a new species of frog in the rainforest of Peru.",
    "The match ended 2-1 after a late goal in the final minute.",
]


def chunks(texts=TEXTS) -> list[Chunk]:
    return [Chunk("s", [Sentence(text)]) for text in texts]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty converted-model cache of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return tmp_path / "xdg-cache" / "briefing" / "ct2"


@pytest.fixture(scope="module")
def tiny_led_dir(tmp_path_factory) -> Path:
    """A tiny random LED (a family CTranslate2 cannot convert) with the tiny BPE tokenizer."""
    import torch
    from transformers import GenerationConfig, LEDConfig, LEDForConditionalGeneration

    from tiny_model import build_tokenizer

    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("tiny-led")
    tokenizer = build_tokenizer()
    config = LEDConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_encoder_position_embeddings=128,
        max_decoder_position_embeddings=128, attention_window=[16, 16], pad_token_id=1, bos_token_id=0,
        eos_token_id=2, decoder_start_token_id=2,
    )
    model = LEDForConditionalGeneration(config)
    model.generation_config = GenerationConfig(decoder_start_token_id=2, bos_token_id=0, eos_token_id=2, pad_token_id=1)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def test_brief_runs_end_to_end_on_the_ctranslate2_backend(seeds_dir, tiny_model_dir, cache):
    result = runner.invoke(app, ["brief", str(seeds_dir), "--engine", "abstractive", "--model", str(tiny_model_dir),
                                 "--backend", "ctranslate2", "--dtype", "int8", "--max-new-tokens", "8",
                                 "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["engine"] == "abstractive" and data["stories"]
    assert all(story["summary"] for story in data["stories"])
    assert len(list(cache.iterdir())) >= 1  # converted into the user cache dir


def test_greedy_float32_gives_the_same_tokens_as_torch(tiny_model_dir, tiny_t5_dir, cache):
    """Decoder start, forced BOS/EOS and length limits map exactly: greedy float32 matches torch token for token."""
    for directory in (tiny_model_dir, tiny_t5_dir):
        settings = dict(generation={"num_beams": 1}, dtype="float32", batch_size=2, threads=1)
        torch_engine = AbstractiveSummarizer(str(directory), backend="torch", **settings)
        ct2_engine = AbstractiveSummarizer(str(directory), backend="ctranslate2", **settings)
        assert ct2_engine.describe()["backend"] == "ctranslate2" and ct2_engine.describe()["dtype"] == "float32"
        assert torch_engine.describe()["backend"] == "torch"
        batch = torch_engine.tokenizer([torch_engine.prompt.render(text=t) for t in TEXTS], return_tensors="pt",
                                       padding=True)
        expected = torch_engine._model.generate(**batch, num_beams=1)
        got = ct2_engine._model.generate(**batch, num_beams=1)
        assert got.tolist() == expected.tolist()
        assert ct2_engine.summarize(chunks(), 50) == torch_engine.summarize(chunks(), 50)


def test_min_and_max_new_tokens_are_honoured(tiny_model_dir, cache):
    engine = AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2",
                                   generation={"num_beams": 1, "min_new_tokens": 6, "max_new_tokens": 6})
    batch = engine.tokenizer([TEXTS[0]], return_tensors="pt")
    output = engine._model.generate(**batch, min_new_tokens=6, max_new_tokens=6)
    assert output.shape == (1, 1 + 6)  # the decoder start token, then exactly six new tokens
    assert output[0, 0].item() == 2 and output[0, 1].item() == 0 and output[0, -1].item() == 2  # start, forced BOS/EOS


def test_the_conversion_is_cached_and_reused(tiny_model_dir, cache):
    first = AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2")
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    stamp = (entry / "model.bin").stat().st_mtime_ns
    second = AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2")
    assert (entry / "model.bin").stat().st_mtime_ns == stamp
    assert [p for p in cache.iterdir() if p.is_dir()] == [entry]
    assert first._model.converted and not second._model.converted
    assert first.summarize(chunks(), 50) == second.summarize(chunks(), 50)
    # Another compute type is another entry; the same one is found again without converting.
    source = Path(tiny_model_dir)
    assert ct2_backend.converted_model(source, "int8", cache) == (entry, False)
    other, converted = ct2_backend.converted_model(source, "float32", cache)
    assert converted and other != entry


LOAD_AND_SUMMARIZE = (
    "import json, sys\n"
    "from summarize.engines.abstractive import AbstractiveSummarizer\n"
    "from summarize.models import Chunk, Sentence\n"
    "engine = AbstractiveSummarizer(sys.argv[1], threads=1)\n"
    "summaries = engine.summarize([Chunk('s', [Sentence(t)]) for t in json.loads(sys.argv[2])], 50)\n"
    "print(json.dumps({'torch': 'torch' in sys.modules, 'describe': engine.describe(), 'summaries': summaries}))\n"
)


def test_a_model_loaded_before_starts_without_torch_and_writes_the_same(tiny_model_dir, tiny_t5_dir, cache):
    """The first load records what it read; a new process loading the same conversion imports no torch."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    for directory in (tiny_model_dir, tiny_t5_dir):
        runs = []
        for _ in range(2):
            done = subprocess.run([sys.executable, "-c", LOAD_AND_SUMMARIZE, str(directory), json.dumps(TEXTS)],
                                  capture_output=True, text=True, env=env, timeout=300)
            assert done.returncode == 0, done.stderr
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        assert runs[0]["describe"]["backend"] == "ctranslate2"
        assert runs[0]["torch"] and not runs[1]["torch"]  # the first load converts (the converter needs torch)
        assert runs[1]["describe"] == runs[0]["describe"] and runs[1]["summaries"] == runs[0]["summaries"]


def test_the_load_record_holds_what_the_first_load_read(tiny_model_dir, tiny_t5_dir, cache):
    from transformers import AutoTokenizer

    texts = [*TEXTS, "Ünïcödé: “quotes”, em—dashes and 🎉", "  spaces   and\nnewlines ", ""]
    for directory in (tiny_model_dir, tiny_t5_dir):
        first = AbstractiveSummarizer(str(directory), backend="ctranslate2")
        record = ct2_backend.read_load_record(str(directory), True, "cpu", None)
        config, generation = ct2_backend.load_configs(str(directory), True, str(directory))
        assert record.generation_config.to_dict() == generation.to_dict()
        assert record.config.to_dict() == json.loads(json.dumps(config.to_dict(), default=str))
        assert getattr(record.config, "no_such_setting", "absent") == "absent"
        assert record.tokenizer_class == f"{type(first.tokenizer).__module__}:{type(first.tokenizer).__qualname__}"
        # A second engine builds its tokenizer from the recorded class: it tokenizes as AutoTokenizer does.
        second, auto = AbstractiveSummarizer(str(directory), backend="ctranslate2"), AutoTokenizer.from_pretrained(directory)
        assert type(second.tokenizer) is type(auto)
        assert second.tokenizer(texts, padding=True)["input_ids"] == auto(texts, padding=True)["input_ids"]
        ids = auto(texts)["input_ids"]
        assert second.tokenizer.batch_decode(ids, skip_special_tokens=True) == auto.batch_decode(ids, skip_special_tokens=True)
        assert second.max_input_tokens == first.max_input_tokens and second.describe() == first.describe()
        assert second.summarize(chunks(), 50) == first.summarize(chunks(), 50)


@pytest.mark.parametrize("damage", ["another transformers version", "garbage"])
def test_a_load_record_that_cannot_be_trusted_is_not_used_and_is_rewritten(tiny_model_dir, cache, damage):
    first = AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2")
    path = first._model.path / ct2_backend.LOAD_RECORD
    if damage == "garbage":
        path.write_text("{not json", encoding="utf-8")
    else:
        path.write_text(json.dumps({**json.loads(path.read_text()), "transformers": "0.0.1"}), encoding="utf-8")
    assert ct2_backend.read_load_record(str(tiny_model_dir), True, "cpu", None) is None
    second = AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2")  # reads the checkpoint instead
    assert second.summarize(chunks(), 50) == first.summarize(chunks(), 50)
    assert ct2_backend.read_load_record(str(tiny_model_dir), True, "cpu", None) is not None  # written anew


def test_threads_default_as_torch_picks_them():
    """Without --threads the CTranslate2 path, which may not import torch, uses the threads torch would."""
    code = ("import torch; from summarize.engines.abstractive import _default_threads; "
            "print(torch.get_num_threads(), _default_threads())")
    plain = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    for extra in ({}, {"OMP_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "64"}, {"MKL_NUM_THREADS": "1", "OMP_NUM_THREADS": "2"}):
        env = plain | extra
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        torch_threads, ours = done.stdout.split()
        assert ours == torch_threads


def test_a_changed_checkpoint_gets_a_new_entry(tiny_model_dir, tmp_path, cache):
    import shutil

    copy = Path(shutil.copytree(tiny_model_dir, tmp_path / "copy"))
    key = ct2_backend.cache_key(copy, "int8")
    config = json.loads((copy / "config.json").read_text())
    config["dropout"] = 0.2
    (copy / "config.json").write_text(json.dumps(config))
    assert ct2_backend.cache_key(copy, "int8") != key


@pytest.mark.parametrize("damage", ["truncated", "garbage", "no-marker"])
def test_a_broken_cache_entry_is_rebuilt(tiny_model_dir, cache, damage):
    engine = AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2")
    expected = engine.summarize(chunks(), 50)
    entry = engine._model.path
    del engine
    model_bin = entry / "model.bin"
    size = model_bin.stat().st_size
    if damage == "truncated":
        model_bin.write_bytes(model_bin.read_bytes()[: size // 2])
    elif damage == "garbage":  # same size, so only loading it shows the damage
        model_bin.write_bytes(b"\0" * size)
    else:  # a conversion that never finished
        (entry / ct2_backend.COMPLETE_MARKER).unlink()
    rebuilt = AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2")
    assert rebuilt._model.converted and rebuilt._model.path == entry
    assert ct2_backend.is_complete(entry)
    assert rebuilt.summarize(chunks(), 50) == expected


def test_two_processes_converting_at_once_share_one_entry(tiny_model_dir, tmp_path):
    root = tmp_path / "ct2"
    code = (
        "import sys, json; from pathlib import Path; from summarize.engines import ct2_backend; "
        "path, converted = ct2_backend.converted_model(Path(sys.argv[1]), 'int8', Path(sys.argv[2])); "
        "print(json.dumps([str(path), converted]))"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tiny_model_dir), str(root)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert results[0][0] == results[1][0]
    assert sorted(converted for _, converted in results) == [False, True]  # the second waited and reused it
    entry = Path(results[0][0])
    assert ct2_backend.is_complete(entry)
    assert [p.name for p in root.iterdir() if p.is_dir()] == [entry.name]  # no staging folders left behind


def test_led_is_refused_in_one_line_and_auto_falls_back_to_torch(tiny_led_dir, cache):
    with pytest.raises(EngineError) as refused:
        AbstractiveSummarizer(str(tiny_led_dir), backend="ctranslate2")
    assert "\n" not in str(refused.value) and "not led" in str(refused.value) and "--backend torch" in str(refused.value)
    assert AbstractiveSummarizer(str(tiny_led_dir)).describe()["backend"] == "torch"


def test_led_on_the_command_line_is_one_error_line(seeds_dir, tiny_led_dir, cache):
    result = runner.invoke(app, ["brief", str(seeds_dir), "-e", "abstractive", "-m", str(tiny_led_dir),
                                 "--backend", "ctranslate2", "--quiet"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "ctranslate2" in lines[0] and "led" in lines[0]


def test_auto_chooses_ctranslate2_when_it_can(tiny_model_dir, cache):
    auto = AbstractiveSummarizer(str(tiny_model_dir))
    assert auto.describe()["backend"] == "ctranslate2" and auto.describe()["dtype"].startswith("int8")
    assert load_engine("abstractive", str(tiny_model_dir), **BriefingOptions().engine_options()).describe()["backend"] == "ctranslate2"
    # A torch precision chosen explicitly, or a setting CTranslate2 cannot honour, keeps torch.
    assert AbstractiveSummarizer(str(tiny_model_dir), dtype="float32").describe()["backend"] == "torch"
    diverse = {"num_beams": 4, "num_beam_groups": 2, "diversity_penalty": 0.5}
    assert AbstractiveSummarizer(str(tiny_model_dir), generation=diverse).describe()["backend"] == "torch"
    assert AbstractiveSummarizer(str(tiny_model_dir), backend="torch").describe()["backend"] == "torch"


def test_a_setting_ctranslate2_cannot_honour_is_refused_in_one_line(tiny_model_dir, cache):
    with pytest.raises(EngineError, match="num_beam_groups=2") as refused:
        AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2",
                              generation={"num_beams": 4, "num_beam_groups": 2, "diversity_penalty": 0.5})
    assert "\n" not in str(refused.value)
    with pytest.raises(EngineError, match="unknown backend"):
        AbstractiveSummarizer(str(tiny_model_dir), backend="onnx")
    config, generation = _config(tiny_model_dir), _generation(tiny_model_dir)
    with pytest.raises(EngineError, match="not mps"):
        ct2_backend.pick_backend("ctranslate2", config, generation, "mps", None, "m")
    assert ct2_backend.pick_backend("auto", config, generation, "mps", None, "m") == "torch"


def _config(directory):
    return ct2_backend.load_configs(str(directory), True, str(directory))[0]


def _generation(directory):
    return ct2_backend.load_configs(str(directory), True, str(directory))[1]


def test_generation_settings_map_to_translate_options(tiny_model_dir):
    from transformers import GenerationConfig

    config = _config(tiny_model_dir)
    options = ct2_backend.translate_options(_generation(tiny_model_dir), config)  # num_beams 2, max_length 40, ...
    assert options["beam_size"] == 2 and options["no_repeat_ngram_size"] == 3
    assert options["max_decoding_length"] == 39 and options["min_decoding_length"] == 4  # lengths less the start token
    assert options["_forced_bos_id"] == 0 and options["_forced_eos_id"] == 2 and options["_end_ids"] == [2]
    assert options["max_input_length"] == 0  # never truncated silently
    new = ct2_backend.translate_options(GenerationConfig(max_new_tokens=7, min_new_tokens=3, length_penalty=2.0,
                                                         repetition_penalty=1.2, suppress_tokens=[5]), config)
    assert (new["max_decoding_length"], new["min_decoding_length"], new["length_penalty"], new["repetition_penalty"]) == (7, 3, 2.0, 1.2)
    assert new["_suppress_ids"] == [[5]]
    sampled = ct2_backend.translate_options(GenerationConfig(do_sample=True, top_k=5, top_p=0.9, temperature=0.7), config)
    assert (sampled["sampling_topk"], sampled["sampling_topp"], sampled["sampling_temperature"]) == (5, 0.9, 0.7)
    with pytest.raises(EngineError, match="sample with beams"):
        ct2_backend.translate_options(GenerationConfig(do_sample=True, num_beams=4), config)
    with pytest.raises(EngineError, match="num_return_sequences"):
        ct2_backend.translate_options(GenerationConfig(num_beams=4, num_return_sequences=2), config)


def test_compute_types_per_device():
    assert ct2_backend.compute_type(None, "cpu") == "int8" and ct2_backend.compute_type("auto", "cpu") == "int8"
    assert ct2_backend.compute_type("float32", "cpu") == "float32"
    with pytest.raises(EngineError, match="unknown dtype"):
        ct2_backend.compute_type("int4", "cpu")


def test_backend_option_reaches_the_engine_from_config_and_environment(seeds_dir, tiny_model_dir, tmp_path, cache):
    config = tmp_path / "config.toml"
    config.write_text('[brief]\nbackend = "torch"\n', encoding="utf-8")
    args = ["brief", str(seeds_dir), "-e", "abstractive", "-m", str(tiny_model_dir), "--max-new-tokens", "4",
            "--format", "json", "--quiet"]
    from_file = runner.invoke(app, ["--config", str(config), *args])
    assert from_file.exit_code == 0, from_file.output
    assert not cache.exists()  # torch: nothing converted
    from_env = runner.invoke(app, args, env={"BRIEFING_BACKEND": "ctranslate2", "BRIEFING_DTYPE": "int8"})
    assert from_env.exit_code == 0, from_env.output
    assert any(p.is_dir() for p in cache.iterdir())
    bad = runner.invoke(app, [*args, "--backend", "onnx"])
    assert bad.exit_code == 2


def test_digest_engine_section_takes_the_backend(tmp_path):
    from digest_support import digest_config

    from summarize.digest.config import ConfigError, load_config
    from summarize.digest.runner import briefing_options

    def options(backend):
        path = digest_config(tmp_path, [tmp_path], port=25, engine={"name": "abstractive", "backend": backend})
        return briefing_options(load_config(path, environ={}))

    assert options("ctranslate2").engine_options()["backend"] == "ctranslate2"
    with pytest.raises(ConfigError, match="engine.backend: must be one of auto, torch, ctranslate2"):
        options("onnx")


def test_without_the_package_auto_is_torch_and_ctranslate2_one_line(tiny_model_dir, monkeypatch, cache):
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # `import ctranslate2` now fails as if not installed
    assert AbstractiveSummarizer(str(tiny_model_dir)).describe()["backend"] == "torch"
    with pytest.raises(EngineError, match=r"needs the ctranslate2 package: pip install 'briefing\[ct2\]'$"):
        AbstractiveSummarizer(str(tiny_model_dir), backend="ctranslate2")


def test_the_breakdown_benchmark_runs_on_the_tiny_model(tmp_path):
    """benchmarks/ct2_breakdown.py (encoder against beam search per batch layout) in its smoke setting."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "ct2_breakdown.py"
    done = subprocess.run([sys.executable, str(script), "--shape", "smoke", "--lengths", "30,20,10",
                           "--layouts", "3;2,1", "--new-tokens", "4", "--repeats", "1", "--torch-encoder",
                           "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| batches |")
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| 3", "| 2 + 1", "| torch float32 encoder, one input at a time",
                                                         "| torch bfloat16 encoder, one input at a time"]
    for row in rows[1:3]:
        whole, encoder, decoding = (float(cell) for cell in row.strip(" |").split(" | ")[1:])
        assert whole >= 0 and encoder >= 0 and abs(whole - encoder - decoding) < 0.011  # seconds, 2 decimals

