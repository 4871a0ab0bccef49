"""BeamSearchCache: the same tokens as transformers' own cache, without reordering the encoder's keys and values.

Every comparison forces the output length (min_new_tokens = max_new_tokens)
so that beam search runs every step and reorders the cache at each one.
"""

import pytest
import torch

from summarize.engines.beam_cache import BeamSearchCache, cache_argument, new_beam_search_cache

NEW_TOKENS = 16
TEXTS = [  # different lengths: a batch of them is padded
    "Russia and Ukraine held their first direct peace talks in three years in Istanbul.",
    "Shares rose 3% after the central bank cut interest rates to 4.25 percent. " * 3,
    "Scientists found a new species of frog in the rainforest of Peru on Monday. " * 2,
    "The match ended 2-1 after a late goal in the final minute. " * 4,
]


@pytest.fixture(scope="module", params=["bart", "t5"])
def model_and_tokenizer(request, tiny_model_dir, tiny_t5_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    directory = tiny_model_dir if request.param == "bart" else tiny_t5_dir
    model = AutoModelForSeq2SeqLM.from_pretrained(directory).eval()
    # The tiny BART's small initial weights make it write the same junk for
    # every input; larger ones make its output depend on the encoder's keys
    # and values, which is what these tests must be able to see.
    torch.manual_seed(1)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() > 1:
                parameter.normal_(0.0, 0.3)
    return model, AutoTokenizer.from_pretrained(directory)


def generate(model, tokenizer, texts, num_beams, cache=None):
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    extra = {cache_argument(model): cache} if cache is not None else {}
    with torch.inference_mode():
        return model.generate(**batch, num_beams=num_beams, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                              do_sample=False, **extra)


class CrossInputCache(BeamSearchCache):
    """A wrong cache: reorders the cross-attention cache with every row taken from the next input's beams."""

    def reorder_cache(self, beam_idx):
        self.self_attention_cache.reorder_cache(beam_idx)
        self.cross_attention_cache.reorder_cache((beam_idx + self.num_beams) % beam_idx.numel())


class NoReorderCache(BeamSearchCache):
    """A wrong cache: reorders nothing, as if beams never switched histories."""

    def reorder_cache(self, beam_idx):
        pass


@pytest.mark.parametrize("num_beams", [2, 4])
@pytest.mark.parametrize("batch", [1, 4])
def test_same_tokens_as_the_library_cache_and_cross_cache_left_alone(model_and_tokenizer, num_beams, batch):
    model, tokenizer = model_and_tokenizer
    texts = TEXTS[:batch]
    expected = generate(model, tokenizer, texts, num_beams)
    cache = new_beam_search_cache(model, num_beams)
    assert isinstance(cache, BeamSearchCache)
    assert torch.equal(generate(model, tokenizer, texts, num_beams, cache), expected)
    # generate used this cache at every step and never had to copy the cross-attention cache
    assert cache.reorders >= NEW_TOKENS - 1 and cache.cross_reorders == 0


def test_the_comparison_catches_a_wrong_cache(model_and_tokenizer):
    """Without this, the test above could pass with a cache generate ignored or that beam search never reorders."""
    model, tokenizer = model_and_tokenizer
    expected = generate(model, tokenizer, TEXTS, 4)
    assert len({tuple(row) for row in expected.tolist()}) == len(TEXTS)  # each input gets its own tokens
    wrong_cross = generate(model, tokenizer, TEXTS, 4, CrossInputCache(*_empty_caches(model), num_beams=4))
    not_reordered = generate(model, tokenizer, TEXTS, 4, NoReorderCache(*_empty_caches(model), num_beams=4))
    assert not torch.equal(wrong_cross, expected)  # the cross-attention rows differ across inputs and matter
    assert not torch.equal(not_reordered, expected)  # beam search does switch histories in these runs


def test_a_reorder_across_inputs_reorders_the_cross_cache_too():
    cache = BeamSearchCache(*_empty_caches(None), num_beams=2)
    rows = torch.arange(4, dtype=torch.float32).view(4, 1, 1, 1).expand(4, 1, 3, 2).contiguous()  # 2 inputs x 2 beams
    cache.self_attention_cache.update(rows.clone(), rows.clone(), 0)
    cache.cross_attention_cache.update(rows.clone(), rows.clone(), 0)
    cross_keys = cache.cross_attention_cache.layers[0].keys

    cache.reorder_cache(torch.tensor([1, 1, 2, 2]))  # within each input's beams: the cross cache stays as it is
    assert cache.cross_attention_cache.layers[0].keys is cross_keys and cache.cross_reorders == 0
    assert cache.self_attention_cache.layers[0].keys[:, 0, 0, 0].tolist() == [1, 1, 2, 2]

    cache.reorder_cache(torch.tensor([0, 2, 2, 3]))  # row 1 takes input 1's beam: the cross cache follows
    assert cache.cross_reorders == 1
    assert cache.cross_attention_cache.layers[0].keys[:, 0, 0, 0].tolist() == [0, 2, 2, 3]
    assert cache.self_attention_cache.layers[0].keys[:, 0, 0, 0].tolist() == [1, 2, 2, 2]


def test_not_used_for_greedy_decoding_or_decoder_only_models(tiny_model_dir, tiny_chat_dir):
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    assert new_beam_search_cache(AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir), 1) is None
    assert new_beam_search_cache(AutoModelForCausalLM.from_pretrained(tiny_chat_dir), 4) is None


def _empty_caches(model):
    from transformers.cache_utils import DynamicCache

    if model is None:
        return DynamicCache(), DynamicCache()
    config = model.config.get_text_config(decoder=True)
    return DynamicCache(config=config), DynamicCache(config=config)
