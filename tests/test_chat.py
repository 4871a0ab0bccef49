"""The chat engine through the real from_pretrained path on a tiny random Qwen2-style chat model."""

import json
import shutil

import pytest

from summarize.engines import EngineError, auto_engine, load_engine, load_engine_with_fallback
from summarize.engines.chat import ChatSummarizer
from summarize.engines.instruct import Answer
from summarize.models import Article, Chunk, Sentence, Story


def chunk(text: str, level: int = 0, story: str = "s") -> Chunk:
    return Chunk(story, [Sentence(text, "a1")], level=level)


@pytest.fixture(scope="module")
def chat(tiny_chat_dir):
    return ChatSummarizer(str(tiny_chat_dir), threads=1, batch_size=2, generation={"max_new_tokens": 8})


def test_loads_a_local_directory_and_describes_itself(chat, tiny_chat_dir):
    info = chat.describe()
    assert info["engine"] == "chat" and info["model"] == str(tiny_chat_dir) and info["family"] == "qwen2"
    assert info["context_tokens"] == 1024  # the checkpoint's own limit (under the 8192 cap)
    assert info["generation"] == {"max_new_tokens": 8}  # only overrides; the rest is the generation_config's
    assert chat.tokenizer.padding_side == "left"


def test_input_limit_counts_the_chat_template_and_the_answer(chat):
    prompt = chat.render("summarize", "", 120, "English")
    overhead = len(chat.tokenizer(chat._chat(prompt), add_special_tokens=False)["input_ids"])
    assert 0 < chat.max_input_tokens < 1024 - overhead - 8
    # the template's markup is counted: the wrapped prompt is longer than the bare one
    assert chat._prompt_tokens(prompt) > chat.count_tokens(prompt)


def test_one_summary_per_chunk_in_order_deterministic_and_batch_independent(chat):
    chunks = [chunk("Putin met Zelensky."), chunk("Shares rose 3% after the bank cut rates. " * 4), chunk("Frogs in Peru.", level=1)]
    first = chat.summarize(chunks, max_words=50)
    assert len(first) == 3 and all(isinstance(s, str) and s for s in first)
    assert chat.summarize(chunks, max_words=50) == first
    # left padding: batching and sorting by length change no output
    assert [chat.summarize([c], max_words=50)[0] for c in chunks] == first


def test_stages_and_language_reach_the_prompt(chat, monkeypatch):
    seen = []
    monkeypatch.setattr(chat, "_complete", lambda prompts, n: seen.extend(prompts) or [Answer("")] * len(prompts))
    chat.summarize([chunk("Die Regierung hat am Montag neue Maßnahmen beschlossen, sagte ein Sprecher in Berlin.", story="de"),
                    chunk("Partial summary one. Partial summary two.", level=1, story="de")], 60)
    assert seen[0].startswith("Below are sentences from news articles") and "in German" in seen[0] and "60 words" in seen[0]
    # a fusion level of the same story keeps the language detected from its articles
    assert seen[1].startswith("Below are partial summaries") and "in German" in seen[1]


def test_language_option_is_named_in_every_prompt(tiny_chat_dir):
    engine = ChatSummarizer(str(tiny_chat_dir), language="fr", generation={"max_new_tokens": 4})
    assert engine.describe()["language"] == "French"
    assert "in French" in engine.render("summarize", "x", 10, engine._language_of(chunk("Putin met Zelensky in Istanbul.")))


def test_generation_config_is_the_default_and_thinking_is_switched_off(chat):
    # the checkpoint's settings (repetition penalty, suppressed tokens) apply; only the length is set here
    assert chat._model.generation_config.repetition_penalty == 1.3
    assert chat._chat("Hi").endswith("<think>\n\n</think>\n\n")  # Qwen3-style switch honoured by the template


def test_headlines_are_written_or_left_to_the_caller(chat):
    headlines = chat.write_headlines(["Putin met Zelensky in Istanbul on Friday.", ""], max_words=12)
    assert len(headlines) == 2 and headlines[1] is None
    # random weights write junk cut at the limit: refused rather than shown
    assert headlines[0] is None or len(headlines[0].split()) <= 12


def test_long_stories_are_chunked_to_fit_and_fused(chat, seeds_dir):
    from summarize.chunk import chunk_story
    from summarize.fuse import summarize_story
    from summarize.ingest import read_articles

    articles = read_articles([str(seeds_dir)]).articles
    story = Story("s", [Article(a.id, a.text) for a in articles[:4]])
    plan = chunk_story(story, chat.count_tokens, chat.max_input_tokens)
    assert len(plan.chunks) > 1
    for part in plan.chunks:  # each chunk's whole prompt, template included, fits with the answer
        prompt = chat.render("summarize", part.text, 120, "English")
        assert chat._prompt_tokens(prompt) + chat._answer_tokens(120) <= chat.context_tokens
    summary = summarize_story(story, chat, max_words=40)
    assert summary.story_id == "s" and summary.factual["guarded_sentences"] >= 0


def test_too_long_prompt_is_an_error_not_truncation(chat):
    with pytest.raises(EngineError, match="exceeds"):
        chat.summarize([chunk("peace talks " * 1500)], max_words=50)


def test_context_cannot_exceed_the_model(tiny_chat_dir):
    with pytest.raises(EngineError, match="at most 1024"):
        ChatSummarizer(str(tiny_chat_dir), context_tokens=4096)


def test_seq2seq_and_template_less_models_are_refused_in_one_line(tiny_model_dir, tiny_chat_dir, tmp_path):
    with pytest.raises(EngineError, match="seq2seq model .*use --engine abstractive"):
        load_engine("chat", str(tiny_model_dir))
    bare = tmp_path / "bare"
    shutil.copytree(tiny_chat_dir, bare)
    (bare / "chat_template.jinja").unlink()
    config = json.loads((bare / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (bare / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(EngineError, match="no chat template"):
        load_engine("chat", str(bare))


def test_only_safetensors_weights_are_loaded(tiny_chat_dir, tmp_path):
    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_chat_dir, pickled)
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    with pytest.raises(EngineError, match="cannot load a chat model"):
        load_engine("chat", str(pickled))


def test_model_is_required_and_missing_ones_fail_fast():
    with pytest.raises(EngineError, match="needs --model"):
        load_engine("chat")
    with pytest.raises(EngineError, match="not in the local"):
        load_engine("chat", "someone/chat-model-not-cached")


def test_auto_picks_the_chat_engine_for_a_chat_model(tiny_chat_dir, tiny_model_dir):
    assert auto_engine(str(tiny_chat_dir)) == "chat"
    assert auto_engine(str(tiny_model_dir)) == "abstractive"
    assert auto_engine(None, "http://127.0.0.1:1/v1") == "openai"
    engine, reason = load_engine_with_fallback("auto", str(tiny_chat_dir), generation={"max_new_tokens": 4})
    assert engine.name == "chat" and reason is None


def test_column_batch_call_for_distributed_engines(chat):
    out = chat({"text": ["One article.", "Another article."]})
    assert out["text"] == ["One article.", "Another article."] and len(out["summary"]) == 2
