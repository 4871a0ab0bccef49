"""The abstractive engine, exercised through the real from_pretrained path on tiny models."""

import time

import pytest

from summarize.engines import EngineError, load_engine, load_engine_with_fallback
from summarize.engines.abstractive import AbstractiveSummarizer
from summarize.models import Chunk, Sentence


def chunk(text: str) -> Chunk:
    return Chunk("s", [Sentence(text)])


@pytest.fixture(scope="module")
def bart(tiny_model_dir):
    return AbstractiveSummarizer(str(tiny_model_dir), threads=1, batch_size=2, generation={"max_new_tokens": 12})


def test_loads_a_local_directory_and_describes_itself(bart, tiny_model_dir):
    info = bart.describe()
    assert info["engine"] == "abstractive" and info["model"] == str(tiny_model_dir)
    assert info["device"] == "cpu" and info["family"] == "bart"
    # The input limit comes from the checkpoint (128 positions), not a constant.
    assert bart.max_input_tokens == 128 - bart.count_tokens("")


def test_one_summary_per_input_in_order_and_deterministic(bart):
    chunks = [chunk("Putin met Zelensky."), chunk("Shares rose 3% after the bank cut rates. " * 4), chunk("Frogs in Peru.")]
    first = bart.summarize(chunks, max_words=50)
    assert len(first) == 3 and all(isinstance(s, str) for s in first)
    assert bart.summarize(chunks, max_words=50) == first
    # Batching and sorting by length must not change any output.
    assert [bart.summarize([c], max_words=50)[0] for c in chunks] == first


def test_progress_is_reported_per_batch(bart):
    seen = []
    bart.on_progress = lambda done, total: seen.append((done, total))
    try:
        bart.summarize([chunk("a b c.")] * 3, max_words=20)
    finally:
        bart.on_progress = None
    assert seen == [(2, 3), (3, 3)]


def test_generation_config_is_the_default_and_overrides_apply(tiny_model_dir):
    default = AbstractiveSummarizer(str(tiny_model_dir))
    assert default.describe()["generation"] == {}
    assert default._model.generation_config.num_beams == 2  # from generation_config.json
    short = AbstractiveSummarizer(str(tiny_model_dir), generation={"max_new_tokens": 3, "num_beams": 1, "min_length": 0})
    ids = short.tokenizer(short.summarize([chunk("Putin met Zelensky in Istanbul.")], 50)[0])["input_ids"]
    assert len(ids) <= 3 + 2 + 2  # 3 new tokens, plus forced bos/eos and the re-encoding's specials


def test_too_long_input_is_an_error_not_truncation(bart):
    with pytest.raises(EngineError, match="exceeds"):
        bart.summarize([chunk("peace talks " * 400)], max_words=50)


def test_t5_family_gets_its_prompt_template(tiny_t5_dir):
    t5 = AbstractiveSummarizer(str(tiny_t5_dir), generation={"max_new_tokens": 5})
    assert t5.family == "t5"
    assert t5.prompt.render(text="Some news.") == "summarize: Some news."
    assert t5.max_input_tokens < 128  # room is left for the instruction
    assert len(t5.summarize([chunk("Some news.")], 20)) == 1


def test_column_batch_call_for_distributed_engines(bart):
    out = bart({"text": ["One article.", "Another article."]})
    assert out["text"] == ["One article.", "Another article."] and len(out["summary"]) == 2


def test_missing_directory_is_a_clear_error():
    with pytest.raises(EngineError, match="no such model directory"):
        load_engine("abstractive", "./no/such/model")


def test_unreachable_hub_model_fails_fast_and_auto_falls_back():
    start = time.monotonic()
    with pytest.raises(EngineError, match="not in the local"):
        load_engine("abstractive", "someone/model-that-is-not-cached")
    engine, reason = load_engine_with_fallback("auto", "someone/model-that-is-not-cached")
    assert time.monotonic() - start < 10
    assert engine.name == "extractive" and "someone/model-that-is-not-cached" in reason


@pytest.mark.parametrize("dtype", ["bfloat16", "int8"])
def test_lower_precision_modes_load_and_generate(tiny_model_dir, dtype):
    # torch's own modes (int8 is dynamic quantisation); the ctranslate2 backend has its tests in test_ct2_backend.py
    engine = AbstractiveSummarizer(str(tiny_model_dir), dtype=dtype, backend="torch", generation={"max_new_tokens": 4})
    assert engine.describe()["dtype"] == dtype
    assert len(engine.summarize([chunk("Putin met Zelensky."), chunk("Rates fell.")], 20)) == 2


def test_unknown_dtype_is_a_clear_error(tiny_model_dir):
    with pytest.raises(EngineError, match="unknown dtype"):
        AbstractiveSummarizer(str(tiny_model_dir), dtype="int4")


# --- loading hostile models and options: one line each, `auto` falls back -------------------


def _copy_model(source, target):
    import shutil

    shutil.copytree(source, target)
    return target


def test_a_truncated_safetensors_file_is_one_line_and_auto_falls_back(tiny_model_dir, tmp_path):
    broken = _copy_model(tiny_model_dir, tmp_path / "broken")
    weights = broken / "model.safetensors"
    with weights.open("r+b") as fh:
        fh.truncate(weights.stat().st_size // 2)
    with pytest.raises(EngineError, match=r"broken: cannot load a seq2seq model \(.*\)$"):
        load_engine("abstractive", str(broken))
    engine, reason = load_engine_with_fallback("auto", str(broken))
    assert engine.name == "extractive" and "cannot load a seq2seq model" in reason


def test_a_pickle_only_checkpoint_is_refused(tiny_model_dir, tmp_path):
    import torch

    pickled = _copy_model(tiny_model_dir, tmp_path / "pickled")
    (pickled / "model.safetensors").unlink()
    torch.save({"weights": torch.zeros(1)}, pickled / "pytorch_model.bin")
    with pytest.raises(EngineError, match=r"weights only as a pickle \(pytorch_model.bin\).*only safetensors are loaded"):
        load_engine("abstractive", str(pickled))


@pytest.mark.parametrize("device, message", [
    ("bogus", "unknown device 'bogus': expected cpu, cuda, cuda:N or mps"),
    ("tpu", "unknown device 'tpu'"),
    ("xla", "unsupported device 'xla'"),
])
def test_devices_torch_cannot_use_are_refused_before_loading(tiny_model_dir, device, message):
    with pytest.raises(EngineError, match=message):
        AbstractiveSummarizer(str(tiny_model_dir), device=device)


def test_cuda_on_the_cpu_build_of_torch_is_one_line_and_auto_falls_back(tiny_model_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    with pytest.raises(EngineError, match="device 'cuda' is not available"):
        AbstractiveSummarizer(str(tiny_model_dir), device="cuda")
    engine, reason = load_engine_with_fallback("auto", str(tiny_model_dir), device="cuda")
    assert engine.name == "extractive" and "device 'cuda' is not available" in reason


def test_max_new_tokens_beyond_the_decoder_positions_is_refused(tiny_model_dir):
    with pytest.raises(EngineError, match=r"--max-new-tokens 100000 is more than .* \(128 decoder positions\); use at most 127"):
        AbstractiveSummarizer(str(tiny_model_dir), generation={"max_new_tokens": 100_000})
    longest = AbstractiveSummarizer(str(tiny_model_dir), generation={"max_new_tokens": 127, "num_beams": 1})
    assert len(longest.summarize([chunk("Putin met Zelensky.")], 50)) == 1


@pytest.mark.parametrize("content, message", [
    (b"{{ text ", "not a valid Jinja2 template (line 1"),
    (b"{{ nope }}", "prompt template cannot be rendered ('nope' is undefined)"),
    (b"\xc4\x00\x01binary", "prompt template is not UTF-8 text"),
    (b"\x00\x00", "prompt template is binary"),
])
def test_bad_prompt_templates_are_one_line(tiny_model_dir, tmp_path, content, message):
    template = tmp_path / "prompt.j2"
    template.write_bytes(content)
    with pytest.raises(EngineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AbstractiveSummarizer(str(tiny_model_dir), prompt_template=template)


@pytest.mark.parametrize("num_beams", [1, 4])
def test_summaries_equal_plain_generate_on_the_same_batches(tiny_varied_bart_dir, num_beams):
    """The engine's speed-ups (beam cache, counting, ...) leave every token as plain ``generate`` writes it."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    settings = {"num_beams": num_beams, "max_new_tokens": 16, "min_new_tokens": 16, "do_sample": False}
    engine = AbstractiveSummarizer(str(tiny_varied_bart_dir), threads=1, batch_size=2, generation=settings,
                                   backend="torch")
    texts = ["Putin met Zelensky.", "Shares rose 3% after the bank cut rates. " * 4, "Frogs in Peru. " * 2,
             "The match ended 2-1 after a late goal. " * 3, "Rubio said the talks could bring a ceasefire."]
    summaries = engine.summarize([chunk(t) for t in texts], max_words=50)

    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_varied_bart_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_varied_bart_dir)
    expected = {}
    order = sorted(texts, key=len, reverse=True)  # the engine's documented batching: longest first
    for start in range(0, len(order), 2):
        batch = tokenizer([engine.prompt.render(text=t) for t in order[start:start + 2]], return_tensors="pt",
                          padding=True)
        with torch.inference_mode():
            output = model.generate(**batch, **settings)
        for text, summary in zip(order[start:start + 2], tokenizer.batch_decode(output, skip_special_tokens=True)):
            expected[text] = " ".join(summary.split())
    assert summaries == [expected[t] for t in texts]
    assert len(set(summaries)) == len(texts)  # outputs depend on the input: a wrong speed-up would show


def test_usage_counts_calls_and_tokens_fed_and_generated(tiny_varied_bart_dir):
    settings = {"num_beams": 2, "max_new_tokens": 6, "min_new_tokens": 6}
    engine = AbstractiveSummarizer(str(tiny_varied_bart_dir), threads=1, batch_size=2, generation=settings)
    texts = ["Putin met Zelensky.", "Shares rose 3% after the bank cut rates. " * 4, "Frogs in Peru."]
    engine.summarize([chunk(t) for t in texts], max_words=50)
    lengths = sorted((engine.count_tokens(engine.prompt.render(text=t)) for t in texts), reverse=True)
    assert engine.usage.as_dict() == {
        "generate_calls": 2,  # batches of 2 and 1
        "input_tokens": sum(lengths),
        "padded_input_tokens": 2 * lengths[0] + lengths[2],  # longest first: the long text pads the second
        "output_tokens": 3 * 6,  # forced lengths, decoder start token not counted
    }
    assert "usage" not in str(engine.describe())  # describe() keys the summary cache


def test_output_tokens_leave_out_the_padding_after_eos(tiny_varied_bart_dir):
    texts = ["Putin met Zelensky.", "Shares rose 3% after the bank cut rates. " * 4, "Frogs in Peru.",
             "The match ended 2-1. " * 3]
    # Random weights seldom write </s>: with many end tokens, rows end at different lengths.
    settings = {"max_new_tokens": 20, "eos_token_id": [2, *range(5, 400, 11)]}
    alone = []
    for text in texts:  # one at a time: nothing is padded
        engine = AbstractiveSummarizer(str(tiny_varied_bart_dir), threads=1, batch_size=1, generation=settings)
        engine.summarize([chunk(text)], max_words=50)
        alone.append(engine.usage.output_tokens)
    assert len(set(alone)) > 1  # so a batch of them pads the shorter rows after their EOS
    batched = AbstractiveSummarizer(str(tiny_varied_bart_dir), threads=1, batch_size=4, generation=settings)
    batched.summarize([chunk(t) for t in texts], max_words=50)
    assert batched.usage.output_tokens == sum(alone)


@pytest.mark.parametrize("extra", [{"use_cache": False}, {"cache_implementation": "static"}])
def test_beam_search_with_the_caller_own_cache_settings_still_runs(tiny_model_dir, extra):
    settings = {"num_beams": 2, "max_new_tokens": 4, **extra}
    engine = AbstractiveSummarizer(str(tiny_model_dir), threads=1, generation=settings, backend="torch")
    assert len(engine.summarize([chunk("Putin met Zelensky.")], max_words=20)) == 1
