"""The openai engine against real servers: ``transformers serve`` with a tiny chat model,
and a local HTTP server that fails the way servers do (429, 500, slow, broken JSON, down)."""

import time

import pytest
from openai_support import ANSWER, free_port

from summarize.engines import EngineError, load_engine, load_engine_with_fallback
from summarize.engines.openai_compat import OpenAISummarizer, estimate_tokens
from summarize.models import Article, Chunk, Sentence
from summarize.pipeline import BriefingOptions, build_briefing


def chunks(n: int) -> list[Chunk]:
    return [Chunk(f"s{i}", [Sentence(f"Russia and Ukraine held talks in Istanbul on Friday, round {i}.", "a")]) for i in range(n)]


def engine(fault_server, scenario: str, **options) -> OpenAISummarizer:
    return OpenAISummarizer("tiny", base_url=fault_server.url(scenario), **{"retries": 2, **options})


# -- a real OpenAI-compatible server: transformers serve ------------------------

def test_summaries_and_headlines_from_transformers_serve(chat_server, tiny_chat_dir):
    served = OpenAISummarizer(str(tiny_chat_dir), base_url=chat_server, tokenizer=str(tiny_chat_dir),
                              context_tokens=1024, generation={"max_new_tokens": 8})
    summaries = served.summarize(chunks(3), max_words=40)
    assert len(summaries) == 3 and all(isinstance(s, str) for s in summaries)
    assert len(served.write_headlines(["Putin met Zelensky in Istanbul.", ""])) == 2
    info = served.describe()
    assert info["engine"] == "openai" and info["model"] == str(tiny_chat_dir) and info["base_url"] == chat_server
    assert info["token_counting"] == str(tiny_chat_dir)


def test_counting_with_the_served_models_tokenizer_includes_its_chat_template(chat_server, tiny_chat_dir):
    exact = OpenAISummarizer(str(tiny_chat_dir), base_url=chat_server, tokenizer=str(tiny_chat_dir), context_tokens=1024)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_chat_dir))
    prompt = exact.render("summarize", "Talks in Istanbul.", 120, "English")
    wrapped = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
    assert exact._prompt_tokens(prompt) == len(tokenizer(wrapped, add_special_tokens=False)["input_ids"])
    assert exact.count_tokens("Talks in Istanbul.") == len(tokenizer("Talks in Istanbul.", add_special_tokens=False)["input_ids"])


def test_a_model_the_server_does_not_serve_is_one_line(chat_server):
    served = OpenAISummarizer("someone/other-model", base_url=chat_server, retries=0)
    with pytest.raises(EngineError) as caught:
        served.summarize(chunks(1), 20)
    assert chat_server in str(caught.value) and "\n" not in str(caught.value)


# -- what the engine sends --------------------------------------------------------

def test_request_carries_prompt_budget_settings_and_thinking_switch(fault_server):
    ok = engine(fault_server, "ok-body", generation={"temperature": 0.2, "top_k": 20, "max_new_tokens": 64})
    assert ok.summarize(chunks(1), max_words=30) == [ANSWER]
    [body] = fault_server.bodies["ok-body"]
    assert body["model"] == "tiny" and body["max_tokens"] == 64 and body["temperature"] == 0.2 and body["top_k"] == 20
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    [message] = body["messages"]
    assert message["role"] == "user" and "30 words" in message["content"] and "in English" in message["content"]
    assert "Istanbul" in message["content"]


def test_thinking_leaves_the_switch_alone(fault_server):
    engine(fault_server, "ok-think", thinking=True).summarize(chunks(1), 30)
    assert "chat_template_kwargs" not in fault_server.bodies["ok-think"][0]


def test_character_estimate_errs_high():
    text = "Russia and Ukraine held their first direct peace talks in three years in Istanbul."
    assert estimate_tokens(text) >= len(text) / 4  # English: about 4 characters a token
    assert estimate_tokens("Переговоры в Стамбуле") == len("Переговоры в Стамбуле") - 2 + 1  # non-ASCII: one each


# -- retries, timeouts, concurrency ------------------------------------------------

def test_429_is_retried_after_retry_after(fault_server):
    started = time.monotonic()
    assert engine(fault_server, "429-a").summarize(chunks(1), 30) == [ANSWER]
    assert fault_server.requests["429-a"] == 2
    assert time.monotonic() - started >= 1.0  # the server's Retry-After: 1 was honoured


def test_500_is_retried_with_backoff(fault_server):
    assert engine(fault_server, "500-a").summarize(chunks(1), 30) == [ANSWER]
    assert fault_server.requests["500-a"] == 2


def test_persistent_500_is_one_line_after_every_try(fault_server):
    with pytest.raises(EngineError) as caught:
        engine(fault_server, "always500-a", retries=1).summarize(chunks(1), 30)
    message = str(caught.value)
    assert "answered 500 after 2 tries (model crashed)" in message and "\n" not in message
    assert fault_server.requests["always500-a"] == 2


def test_slow_server_times_out_after_retries(fault_server):
    started = time.monotonic()
    with pytest.raises(EngineError, match=r"no answer within 0\.5 s after 2 tries"):
        engine(fault_server, "slow-a", timeout=0.5, retries=1).summarize(chunks(1), 30)
    assert time.monotonic() - started < 2.9  # two timeouts and one backoff, not the server's 3 s
    assert fault_server.requests["slow-a"] == 2


@pytest.mark.parametrize("scenario", ["badjson", "nochoices"])
def test_malformed_answers_are_one_line(fault_server, scenario):
    with pytest.raises(EngineError, match="not a chat completion") as caught:
        engine(fault_server, scenario).summarize(chunks(1), 30)
    assert "\n" not in str(caught.value)


def test_concurrency_is_bounded_and_order_kept(fault_server):
    done = []
    bounded = engine(fault_server, "slowok-a", max_concurrency=2, on_progress=lambda d, t: done.append((d, t)))
    started = time.monotonic()
    prompts = chunks(6)
    assert bounded.summarize(prompts, 30) == [ANSWER] * 6
    assert fault_server.max_in_flight["slowok-a"] == 2
    assert time.monotonic() - started >= 3 * 0.3  # six requests, two at a time
    assert done[-1] == (6, 6)
    engine(fault_server, "slowok-b", max_concurrency=6).summarize(prompts, 30)
    assert fault_server.max_in_flight["slowok-b"] > 2


def test_an_answer_cut_by_the_token_limit_keeps_complete_sentences(fault_server):
    assert engine(fault_server, "length-a").summarize(chunks(1), 30) == [ANSWER]


# -- server down, keys, fallback -----------------------------------------------------

def test_server_down_fails_fast_in_one_line_and_auto_falls_back():
    url = f"http://127.0.0.1:{free_port()}/v1"
    started = time.monotonic()
    with pytest.raises(EngineError, match="cannot reach the server at .* is it running") as caught:
        load_engine("openai", "qwen3:4b", base_url=url)
    assert "\n" not in str(caught.value)
    fallback, reason = load_engine_with_fallback("auto", "qwen3:4b", base_url=url)
    assert fallback.name == "extractive" and url in reason
    assert time.monotonic() - started < 5


def test_api_key_comes_from_the_named_variable_and_is_never_recorded(fault_server, monkeypatch):
    monkeypatch.delenv("BRIEFING_TEST_KEY", raising=False)
    with pytest.raises(EngineError, match=r"needs an API key \(401\): put it in \$BRIEFING_TEST_KEY"):
        engine(fault_server, "auth-a", api_key_env="BRIEFING_TEST_KEY")
    monkeypatch.setenv("BRIEFING_TEST_KEY", "wrong")
    with pytest.raises(EngineError, match=r"refused the API key in \$BRIEFING_TEST_KEY") as caught:
        engine(fault_server, "auth-b", api_key_env="BRIEFING_TEST_KEY")
    assert "wrong" not in str(caught.value)
    monkeypatch.setenv("BRIEFING_TEST_KEY", "sekret")
    keyed = engine(fault_server, "auth-c", api_key_env="BRIEFING_TEST_KEY")
    assert keyed.summarize(chunks(1), 30) == [ANSWER]
    assert "sekret" not in repr(keyed.describe()) and keyed.describe()["api_key_env"] == "BRIEFING_TEST_KEY"


def test_a_server_without_a_models_list_is_fine(fault_server):
    assert engine(fault_server, "nomodels-a").summarize(chunks(1), 30) == [ANSWER]


def test_auto_falls_back_when_the_server_fails_mid_run(fault_server):
    articles = [Article("a1", "Russia and Ukraine held talks in Istanbul on Friday. No ceasefire was agreed.")]
    options = BriefingOptions(engine="auto", model="tiny", base_url=fault_server.url("always500-mid"), retries=0)
    briefing = build_briefing(articles, options)
    assert briefing.engine.startswith("extractive (fallback: openai failed:") and "500" in briefing.engine
    assert briefing.stories[0].summary
    with pytest.raises(EngineError):  # named engines do not fall back
        build_briefing(articles, BriefingOptions(engine="openai", model="tiny", base_url=fault_server.url("always500-mid2"), retries=0))


def test_language_reaches_the_prompt_and_seq2seq_engines_say_they_cannot(fault_server):
    articles = [Article("a1", "Russia and Ukraine held talks in Istanbul on Friday. No ceasefire was agreed.")]
    build_briefing(articles, BriefingOptions(engine="openai", model="tiny", base_url=fault_server.url("ok-lang"), language="de"))
    assert "in German" in fault_server.bodies["ok-lang"][0]["messages"][0]["content"]
    briefing = build_briefing(articles, BriefingOptions(engine="extractive", language="de"))
    assert any("cannot translate" in note for note in briefing.notes)


def test_digest_engine_section_takes_the_instruction_engine_keys(tmp_path):
    from digest_support import digest_config

    from summarize.digest.config import load_config
    from summarize.digest.runner import briefing_options

    engine_section = {"name": "openai", "model": "qwen3:4b", "base_url": "http://localhost:11434/v1",
                      "context_tokens": 8192, "language": "German", "max_concurrency": 2, "timeout": 300}
    (tmp_path / "articles").mkdir()
    config = digest_config(tmp_path, [tmp_path / "articles"], engine=engine_section)
    options = briefing_options(load_config(config, environ={}))
    assert (options.engine, options.model, options.base_url) == ("openai", "qwen3:4b", "http://localhost:11434/v1")
    assert (options.context_tokens, options.language, options.max_concurrency, options.timeout) == (8192, "German", 2, 300)


def test_a_prompt_template_file_replaces_the_summarize_stage(fault_server, tmp_path):
    path = tmp_path / "mine.j2"
    path.write_text("Sum up in {{ max_words }} words ({{ language }}): {{ text }}")
    engine(fault_server, "ok-tpl", prompt_template=str(path)).summarize(chunks(1), 25)
    assert fault_server.bodies["ok-tpl"][0]["messages"][0]["content"].startswith("Sum up in 25 words (English): Russia")
