"""What the instruction engines share: reasoning stripped, answers cleaned, budgets, languages, prompts."""

import pytest

from summarize.engines.base import EngineError
from summarize.engines.instruct import Answer, answer_tokens, clean_headline, clean_summary, strip_reasoning
from summarize.language import detect_language, language_name
from summarize.prompts import STAGES, load_stage_templates, stage_template_paths


@pytest.mark.parametrize("raw, expected", [
    ("<think>\nThe user wants a summary.\n</think>\n\nTalks began.", "Talks began."),
    ("<THINK>a</THINK>Talks began.<think>b</think>", "Talks began."),
    # the template opened the block in the prompt: only its end is in the answer
    ("the user wants two sentences...\n</think>\nTalks began.", "Talks began."),
    # never closed: the token limit cut the reasoning, no answer came
    ("Talks began.\n<think>Let me also add", "Talks began."),
    ("<think>Let me think about the talks and", ""),
    ("<thinking>x</thinking>Talks began.", "Talks began."),
    ("No reasoning at all.", "No reasoning at all."),
])
def test_reasoning_is_stripped(raw, expected):
    assert strip_reasoning(raw) == expected


def test_summary_loses_preamble_and_markdown_and_keeps_sentences():
    raw = "Here is a summary of the story:\n\n- **Russia** and Ukraine met in Istanbul.\n- No ceasefire was agreed."
    assert clean_summary(Answer(raw)) == "Russia and Ukraine met in Istanbul. No ceasefire was agreed."


def test_a_cut_answer_ends_at_its_last_complete_sentence():
    cut = Answer("Russia and Ukraine met in Istanbul. No ceasefire was agreed. The delegations will", finished=False)
    assert clean_summary(cut) == "Russia and Ukraine met in Istanbul. No ceasefire was agreed."
    # nothing complete: the words are kept and the cut is marked, never hidden
    assert clean_summary(Answer("Russia and Ukraine met in", finished=False)) == "Russia and Ukraine met in…"
    # a finished answer is left whole
    assert clean_summary(Answer("Talks began. Then")) == "Talks began. Then"


@pytest.mark.parametrize("raw, expected", [
    ('"Russia and Ukraine Meet in Istanbul."', "Russia and Ukraine Meet in Istanbul"),
    ("Headline: **Talks in Istanbul**", "Talks in Istanbul"),
    ("<think>hm</think>\nTalks in Istanbul\nSecond line ignored", "Talks in Istanbul"),
    ("", None),
    ("...", None),
    ("one two three four five six seven eight nine ten eleven twelve thirteen", None),
])
def test_headline_is_one_clean_line_within_budget(raw, expected):
    assert clean_headline(Answer(raw), max_words=12) == expected


def test_a_cut_headline_is_refused():
    assert clean_headline(Answer("Russia and Ukraine", finished=False), 12) is None


def test_answer_room_grows_with_the_budget():
    assert answer_tokens(120) == 256 and answer_tokens(10) < answer_tokens(120)


@pytest.mark.parametrize("given, name", [("de", "German"), ("German", "German"), ("pt-BR", "Portuguese"),
                                         ("el", "Modern Greek"), ("Brazilian Portuguese", "Brazilian Portuguese")])
def test_languages_are_named(given, name):
    assert language_name(given) == name


def test_the_sources_language_is_detected():
    assert detect_language("Die Regierung hat am Montag neue Maßnahmen beschlossen, sagte ein Sprecher.")[0] == "German"
    name, probability = detect_language("Russia and Ukraine held their first direct peace talks in three years.")
    assert name == "English" and probability > 0.9
    assert detect_language("12 345 !") == (None, 0.0)


def test_stage_templates_ship_and_state_budget_language_and_only_the_facts():
    templates = load_stage_templates()
    assert set(templates) == set(STAGES)
    for stage, template in templates.items():
        prompt = template.render(text="SOME TEXT", max_words=42, language="German")
        assert "SOME TEXT" in prompt and "42 words" in prompt and "in German" in prompt, stage
        assert "only facts" in prompt.lower(), stage


def test_a_folder_overrides_the_stages_it_holds(tmp_path, monkeypatch):
    (tmp_path / "headline.j2").write_text("Title in {{ language }}, {{ max_words }} words: {{ text }}")
    paths = stage_template_paths(tmp_path)
    assert paths["headline"] == tmp_path / "headline.j2"
    assert paths["summarize"].resolve().parent.name == "prompts" and paths["summarize"].parent != tmp_path
    assert load_stage_templates(tmp_path)["headline"].render(text="x", max_words=5, language="French") == "Title in French, 5 words: x"
    # BRIEFING_PROMPTS_DIR too, below an explicit folder
    other = tmp_path / "env"
    other.mkdir()
    (other / "fuse.j2").write_text("Fuse {{ text }}")
    (other / "headline.j2").write_text("Env headline {{ text }}")
    monkeypatch.setenv("BRIEFING_PROMPTS_DIR", str(other))
    paths = stage_template_paths(tmp_path)
    assert paths["fuse"] == other / "fuse.j2" and paths["headline"] == tmp_path / "headline.j2"


@pytest.mark.parametrize("source, message", [
    ("Summarise {{ txt }}", "never uses {{ text }}"),
    ("Summarise {{ text }} in {{ words }}", "unknown variable 'words'"),
    ("Summarise {{ text ", "line 1"),
])
def test_bad_templates_are_one_line_errors_naming_the_file(tmp_path, source, message):
    (tmp_path / "summarize.j2").write_text(source)
    with pytest.raises(ValueError, match="summarize.j2") as caught:
        load_stage_templates(tmp_path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_engines_turn_template_errors_into_engine_errors(tmp_path, fault_server):
    from summarize.engines import load_engine

    (tmp_path / "fuse.j2").write_text("{{ nope }}")
    with pytest.raises(EngineError, match="fuse.j2"):
        load_engine("openai", "tiny", base_url=fault_server.url("ok"), prompts_dir=str(tmp_path))
