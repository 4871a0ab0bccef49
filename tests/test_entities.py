import pytest

from summarize.facts.entities import LABELS, EntityBackendError, extract_entities, load_extractor


def pairs(text: str) -> list[tuple[str, str]]:
    entities = extract_entities(text)
    for e in entities:
        assert text[e.start : e.end] == e.text
        assert e.label in LABELS
    return [(e.text, e.label) for e in entities]


def test_names_titles_and_connectors():
    found = pairs("Spanish Foreign Minister Abel Matutes met Gen. Augusto Pinochet and officials of the Bank of England.")
    assert ("Abel Matutes", "PERSON") in found
    assert ("Augusto Pinochet", "PERSON") in found  # the title is not part of the name
    assert ("Bank of England", "ORG") in found
    assert ("Spanish", "OTHER") in found
    assert not any("Minister" in t or "Gen" in t for t, _ in found)


def test_particles_acronyms_and_initials():
    found = dict(pairs("Charles de Gaulle and S. Waugh visited NATO headquarters with U.S. envoys."))
    assert "Charles de Gaulle" in found and "S. Waugh" in found
    assert found["NATO"] == "ORG" and "U.S." in found


def test_sentence_initial_words_are_not_names():
    found = [t for t, _ in pairs("The talks ended. However, Ukraine said more talks were needed. Talks resume soon.")]
    assert found == ["Ukraine"]  # "The", "However" are function words; "Talks" is used in lower case too


def test_all_caps_headline_uses_the_body():
    text = "UKRAINE AND RUSSIA HOLD TALKS IN ISTANBUL\nUkraine and Russia held talks in Istanbul on Friday."
    headline = [t for t, _ in pairs(text) if t.isupper()]
    assert headline == ["UKRAINE", "RUSSIA", "ISTANBUL"]  # not HOLD, TALKS


def test_dateline_is_a_place():
    assert ("LONDON", "GPE") in pairs("LONDON (Reuters) - Shares fell on Monday.")


def test_numbers_money_percentages_dates():
    found = pairs(
        "Sales rose 12.5% to $3.5 million on Oct. 14, 1998, up 4 percent from 2 million euros; "
        "four people died 40 km away on 3 March in 1997."
    )
    assert ("12.5%", "PERCENT") in found
    assert ("$3.5 million", "MONEY") in found
    assert ("Oct. 14, 1998", "DATE") in found
    assert ("4 percent", "PERCENT") in found
    assert ("2 million euros", "MONEY") in found
    assert ("four", "NUMBER") in found
    assert ("40 km", "NUMBER") in found
    assert ("3 March", "DATE") in found
    assert ("1997", "DATE") in found


def test_may_the_verb_is_not_a_date():
    assert pairs("Officials said prices may rise.") == []
    assert pairs("The elections were held in May.") == [("May", "DATE")]


def test_empty_text():
    assert extract_entities("") == []
    assert extract_entities("   \n ") == []


def test_unknown_backends_fail_with_one_line():
    with pytest.raises(EntityBackendError, match="unknown entity backend"):
        load_extractor("nltk")
    with pytest.raises(EntityBackendError):
        load_extractor("hf:/no/such/model/dir")


def test_spacy_backend(tmp_path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Volodymyr Zelensky"}, {"label": "NORP", "pattern": "Turkish"}])
    nlp.to_disk(tmp_path / "pipe")
    extractor = load_extractor(f"spacy:{tmp_path / 'pipe'}")
    text = "Volodymyr Zelensky met Turkish officials."
    assert [(e.text, e.label) for e in extractor.extract(text)] == [("Volodymyr Zelensky", "PERSON"), ("Turkish", "OTHER")]
    with pytest.raises(EntityBackendError, match="not installed"):
        load_extractor("spacy:no_such_pipeline_xyz")


def _tiny_token_classifier(directory):
    """A random BERT token classifier with CoNLL labels and a WordPiece tokenizer, built offline."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

    torch.manual_seed(0)
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    corpus = ["Volodymyr Zelensky met Turkish President Erdogan in Ankara on Friday."] * 5
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )
    labels = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    config = BertConfig(
        vocab_size=len(fast), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=64, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
    )
    model = BertForTokenClassification(config)
    with torch.no_grad():  # make every token a B-PER so the plumbing has something to merge
        model.classifier.bias.copy_(torch.tensor([0, 10.0, 0, 0, 0, 0, 0, 0, 0]))
    model.save_pretrained(directory)
    fast.save_pretrained(directory)
    return directory


def test_transformers_backend(tmp_path):
    directory = _tiny_token_classifier(tmp_path / "ner")
    extractor = load_extractor(f"hf:{directory}")
    text = "Zelensky met Erdogan in Ankara."
    entities = extractor.extract(text)
    assert entities, "a B-PER on every token must give entities"
    for e in entities:
        assert text[e.start : e.end] == e.text and not e.text[0].isspace()
        assert e.label == "PERSON"
    assert extractor.extract("") == []


def test_context_texts_give_case_evidence():
    text = "Rain fell in Geneva."
    assert [e.text for e in extract_entities(text)] == ["Rain", "Geneva"]  # no evidence about "Rain"
    assert [e.text for e in extract_entities(text, context=["Heavy rain hit Geneva on Monday."])] == ["Geneva"]
