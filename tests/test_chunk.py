import pytest

from summarize.chunk import chunk_story, pack_sentences, story_sentences
from summarize.models import Article, Sentence, Story


def words(text: str) -> int:
    return len(text.split())


def make_sentences(n: int, length: int = 5) -> list[Sentence]:
    return [Sentence(" ".join([f"w{i}"] * length) + ".", "a", i) for i in range(n)]


def test_whole_sentences_fill_chunks_in_order():
    sentences = make_sentences(10)
    plan = pack_sentences(sentences, "s", words, max_tokens=12)
    assert [len(c.sentences) for c in plan.chunks] == [2] * 5
    assert [s for c in plan.chunks for s in c.sentences] == sentences
    assert all(words(c.text) <= 12 for c in plan.chunks)
    assert plan.notes == []


def test_unbounded_input_is_one_chunk():
    plan = pack_sentences(make_sentences(50), "s", words, max_tokens=None)
    assert len(plan.chunks) == 1 and len(plan.chunks[0].sentences) == 50


def test_a_sentence_longer_than_the_model_is_split_not_dropped():
    long = Sentence(" ".join(f"x{i}" for i in range(30)), "a", 0)
    plan = pack_sentences([long], "s", words, max_tokens=8)
    assert " ".join(c.text for c in plan.chunks) == long.text  # nothing lost
    assert all(words(c.text) <= 8 for c in plan.chunks)
    assert len(plan.notes) == 1 and "split into 4 pieces" in plan.notes[0]


def test_counting_with_the_model_tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    count = lambda text: len(tokenizer(text)["input_ids"])  # noqa: E731
    sentences = [Sentence(f"Sentence number {i} talks about peace talks in Istanbul.", "a", i) for i in range(40)]
    plan = pack_sentences(sentences, "s", count, max_tokens=64)
    assert len(plan.chunks) > 1
    assert all(count(c.text) <= 64 for c in plan.chunks)
    assert sum(len(c.sentences) for c in plan.chunks) == 40


def test_repeated_sentences_across_articles_are_dropped():
    shared = "The talks could have been the first face-to-face encounter since 2022."
    story = Story("s", [
        Article("a", f"{shared} Putin stayed in Moscow."),
        Article("b", f"Zelensky flew to Ankara. {shared.upper()}"),
    ])
    sentences, repeated = story_sentences(story)
    assert [s.text for s in sentences] == [shared, "Putin stayed in Moscow.", "Zelensky flew to Ankara."]
    assert repeated == 1
    assert [(s.article_id, s.position) for s in sentences] == [("a", 0), ("a", 1), ("b", 0)]


def test_near_duplicate_articles_are_not_chunked():
    story = Story("s", [Article("a", "Original report."), Article("b", "Copied report.")], duplicates={"b": "a"})
    plan = chunk_story(story, words, None)
    assert [s.article_id for c in plan.chunks for s in c.sentences] == ["a"]


def test_tiny_limits_are_refused():
    with pytest.raises(ValueError):
        pack_sentences(make_sentences(1), "s", words, max_tokens=2)


def greedy_reference(pieces, count_tokens, max_tokens):
    """The plain greedy rule, counting the growing chunk after every sentence (quadratic)."""
    chunks, current = [], []
    for piece in pieces:
        if current and count_tokens(" ".join(p.text for p in current + [piece])) > max_tokens:
            chunks.append(current)
            current = [piece]
        else:
            current = current + [piece]
    return chunks + ([current] if current else [])


def seed_sentences(seeds_dir):
    from summarize.sentences import split_sentences

    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.iterdir()) if p.suffix in (".txt", ".md")]
    return [Sentence(t, "a", i) for i, t in enumerate(s for text in texts for s in split_sentences(text))]


def _counters(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    return {
        "bpe": lambda text: len(tokenizer(text)["input_ids"]),
        "words": words,
        "chars/4": lambda text: len(text) // 4 + 2,  # not additive: rounding, spaces between sentences count
    }


@pytest.mark.parametrize("counter", ["bpe", "words", "chars/4"])
@pytest.mark.parametrize("max_tokens", [40, 128, 400])
def test_chunks_are_the_greedy_ones_and_never_exceed_the_limit(seeds_dir, tiny_model_dir, counter, max_tokens):
    count_tokens = _counters(tiny_model_dir)[counter]
    sentences = seed_sentences(seeds_dir)
    plan = pack_sentences(sentences, "s", count_tokens, max_tokens)
    assert all(count_tokens(chunk.text) <= max_tokens for chunk in plan.chunks)
    pieces = [s for chunk in plan.chunks for s in chunk.sentences]
    expected = greedy_reference(pieces, count_tokens, max_tokens)
    assert [chunk.sentences for chunk in plan.chunks] == expected
    assert len(plan.chunks) > 1


def test_each_sentence_is_tokenised_about_once(seeds_dir, tiny_model_dir):
    count = _counters(tiny_model_dir)["bpe"]
    counted = []

    def count_tokens(text):
        counted.append(len(text))
        return count(text)

    sentences = seed_sentences(seeds_dir)
    plan = pack_sentences(sentences, "s", count_tokens, 400)
    text_chars = sum(len(s.text) + 1 for s in sentences)
    # each sentence once, then each chunk checked about twice: linear, not one count per sentence of the chunk so far
    assert sum(counted) <= 4 * text_chars, (sum(counted), text_chars, len(plan.chunks))
