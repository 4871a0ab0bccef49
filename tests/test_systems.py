import pytest

from eval.systems import SYSTEMS, LeadSystem, SystemError_, SystemOptions, build_system, parse_spec, system_slug

DOCS = [
    "Russia and Ukraine held talks in Istanbul. The talks lasted two hours. Both sides agreed to meet again.",
    "Delegations met in Istanbul on Friday. Turkey hosted the meeting. A ceasefire was not agreed.",
]


def test_lead_is_round_robin_within_the_budget():
    summary = LeadSystem().summarize(DOCS, max_words=20)
    assert summary == (
        "Russia and Ukraine held talks in Istanbul. Delegations met in Istanbul on Friday. The talks lasted two hours."
    )
    assert len(summary.split()) <= 20
    # a sentence that does not fit is skipped, a later shorter one may still fit
    docs = ["A long first sentence that will never fit in the budget.", "Short one. Tiny."]
    assert LeadSystem().summarize(docs, max_words=5) == "Short one. Tiny."
    # nothing fits: the first sentence, whole
    assert LeadSystem().summarize(["A rather long opening sentence here."], max_words=2) == "A rather long opening sentence here."
    # exact repeats across documents are skipped
    assert LeadSystem().summarize(["Same start. One.", "Same start. Two."], max_words=50) == "Same start. One. Two."


def test_specs():
    assert parse_spec("abstractive:/models/bart") == ("abstractive", "/models/bart")
    assert parse_spec("lead") == ("lead", None)
    assert {"lead", "extractive", "lexrank", "abstractive"} <= set(SYSTEMS)
    with pytest.raises(SystemError_, match="unknown system 'gpt'"):
        parse_spec("gpt")
    with pytest.raises(SystemError_, match="give the model"):
        build_system("abstractive")
    with pytest.raises(SystemError_, match="takes no argument"):
        build_system("lead:x")
    assert system_slug("abstractive:/tmp/m/bart-base/") == "abstractive-bart-base"
    assert system_slug("abstractive:sshleifer/distilbart-cnn-12-6") == "abstractive-distilbart-cnn-12-6"


def test_engine_systems_run_the_pipeline():
    for spec in ("extractive", "lexrank"):
        system = build_system(spec)
        summary = system.summarize(DOCS, 25)
        assert summary and len(summary.split()) <= 25
        assert system.describe()["system"] == spec


def test_abstractive_system_with_a_tiny_model(tiny_model_dir):
    system = build_system(f"abstractive:{tiny_model_dir}", SystemOptions(threads=1))
    summary = system.summarize(DOCS[:1], 20)
    assert isinstance(summary, str)
    assert system.describe()["model"] == str(tiny_model_dir)


def test_missing_model_is_one_line(tmp_path):
    with pytest.raises(SystemError_) as info:
        build_system(f"abstractive:{tmp_path / 'nothing'}")
    assert "\n" not in str(info.value)
