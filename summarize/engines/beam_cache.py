"""A beam-search cache that does not copy the encoder's keys and values at every step.

Beam search in transformers (checked in 5.x) calls
``EncoderDecoderCache.reorder_cache(beam_idx)`` after every decoding step,
which ``index_select``s the self-attention cache *and* the cross-attention
cache. The cross-attention keys and values are projections of the encoder's
output, which ``generate`` repeats (``repeat_interleave``) once per beam:
the rows of one input's beams are identical, and ``beam_idx`` only ever
picks among the beams of the same input. Reordering them is a no-op that
copies ``batch x beams x heads x source length x head size`` floats per layer
and per step, which dominates a CPU beam search over long inputs.

``BeamSearchCache`` reorders the self-attention cache as usual and leaves the
cross-attention cache in place whenever ``beam_idx`` keeps every row within
its own input's beams (checked at every step on a tensor of ``batch x beams``
integers, which costs nothing next to the copy it saves); should a step ever
move a row across inputs, it reorders the cross-attention cache as well, so
outputs are the library's in every case. It is passed to one ``generate``
call (``new_beam_search_cache``); nothing in the library is patched.
"""

from __future__ import annotations

import inspect

import torch
from transformers.cache_utils import DynamicCache, EncoderDecoderCache


class BeamSearchCache(EncoderDecoderCache):
    """An ``EncoderDecoderCache`` whose ``reorder_cache`` skips the cross-attention cache when it may.

    Args:
        self_attention_cache, cross_attention_cache: empty ``DynamicCache``s.
        num_beams: the beams per input of the ``generate`` call this cache
            serves (rows ``i * num_beams`` to ``(i + 1) * num_beams - 1`` belong
            to input ``i``).

    ``reorders`` counts the calls of ``reorder_cache`` (one per beam-search
    step), ``cross_reorders`` those at which the cross-attention cache had to
    be reordered after all (zero in ordinary beam search).
    """

    def __init__(self, self_attention_cache: DynamicCache, cross_attention_cache: DynamicCache, *, num_beams: int):
        super().__init__(self_attention_cache, cross_attention_cache)
        if num_beams < 1:
            raise ValueError(f"num_beams must be at least 1, got {num_beams}")
        self.num_beams = num_beams
        self.reorders = 0
        self.cross_reorders = 0
        self._input_of_row: torch.Tensor | None = None

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        """Reorder the self-attention cache; the cross-attention cache only if ``beam_idx`` crosses inputs."""
        self.reorders += 1
        self.self_attention_cache.reorder_cache(beam_idx)
        if not self.stays_within_inputs(beam_idx):
            self.cross_attention_cache.reorder_cache(beam_idx)
            self.cross_reorders += 1

    def stays_within_inputs(self, beam_idx: torch.Tensor) -> bool:
        """Whether every row ``r`` takes its new state from a beam of its own input (``beam_idx[r] // num_beams == r // num_beams``)."""
        if self._input_of_row is None or self._input_of_row.shape != beam_idx.shape:
            self._input_of_row = torch.arange(beam_idx.shape[0], device=beam_idx.device) // self.num_beams
        return bool(torch.equal(torch.div(beam_idx, self.num_beams, rounding_mode="floor"), self._input_of_row))


def new_beam_search_cache(model, num_beams: int) -> BeamSearchCache | None:
    """An empty ``BeamSearchCache`` for one ``generate`` call of ``model``, or None when it does not apply.

    It applies to beam search (``num_beams`` > 1) with an encoder-decoder
    model whose forward takes a ``Cache`` and builds the standard
    ``EncoderDecoderCache`` of two ``DynamicCache``s (BART, PEGASUS, T5, LED,
    mBART, ...); None otherwise, and ``generate`` then makes its own cache.
    """
    config = model.config
    if num_beams <= 1 or not getattr(config, "is_encoder_decoder", False):
        return None
    if cache_argument(model) is None or not getattr(model, "_supports_default_dynamic_cache", lambda: False)():
        return None
    decoder_config = config.get_text_config(decoder=True) if hasattr(config, "get_text_config") else config
    return BeamSearchCache(_dynamic_cache(decoder_config), _dynamic_cache(decoder_config), num_beams=num_beams)


def cache_argument(model) -> str | None:
    """The name ``model``'s forward takes its cache under: ``cache`` (transformers >= 5.2x),
    ``past_key_values`` (earlier), or None."""
    parameters = inspect.signature(model.forward).parameters
    for name in ("cache", "past_key_values"):
        if name in parameters:
            return name
    return None


def _dynamic_cache(config) -> DynamicCache:
    # generate() builds its own DynamicCache with the decoder's config (layer
    # types, sliding windows); older releases take no config.
    try:
        return DynamicCache(config=config)
    except TypeError:
        return DynamicCache()
