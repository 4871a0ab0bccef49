"""What a model engine has fed its model and got back: calls and tokens.

Counted around each generation call from the token ids going in and coming
out, whatever backend produced them, so that benchmarks and users can see
how much work a briefing took (and whether a change made it feed the model
less). Not part of an engine's ``describe()``: settings there key the
summary cache, and usage changes with every call.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass


@dataclass
class GenerationUsage:
    """Running totals over an engine's life.

    Attributes:
        generate_calls: generation calls (one per batch).
        input_tokens: encoder tokens fed, padding excluded (special and prompt tokens included).
        padded_input_tokens: encoder positions fed, padding included (batch rows x longest row).
        output_tokens: tokens generated, up to and including each row's end-of-sequence token;
            the decoder start token and the padding after EOS are not counted.
    """

    generate_calls: int = 0
    input_tokens: int = 0
    padded_input_tokens: int = 0
    output_tokens: int = 0

    def record(self, input_lengths: Sequence[int], padded_length: int, outputs: Iterable[Sequence[int]],
               eos_ids: Collection[int]) -> None:
        """Add one call: each input row's unpadded length, the padded width, and the generated rows.

        ``outputs`` are the generated token ids of each row without the
        decoder start token (padding after EOS may follow).
        """
        self.generate_calls += 1
        self.input_tokens += sum(input_lengths)
        self.padded_input_tokens += len(input_lengths) * padded_length
        self.output_tokens += sum(generated_length(row, eos_ids) for row in outputs)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def since(self, earlier: dict[str, int]) -> dict[str, int]:
        """The counts added since ``earlier`` (an ``as_dict()`` taken before)."""
        return {name: value - earlier.get(name, 0) for name, value in self.as_dict().items()}


def generated_length(row: Sequence[int], eos_ids: Collection[int]) -> int:
    """Tokens of ``row`` up to and including its first EOS; all of them when it has none (length limit hit)."""
    for position, token in enumerate(row):
        if token in eos_ids:
            return position + 1
    return len(row)


def eos_token_ids(generation_config) -> set[int]:
    """The end-of-sequence ids a ``GenerationConfig`` (or a dict of settings) stops at: an int, a list, or None."""
    if isinstance(generation_config, dict):
        eos = generation_config.get("eos_token_id")
    else:
        eos = getattr(generation_config, "eos_token_id", None)
    if eos is None:
        return set()
    return {int(eos)} if isinstance(eos, int) else {int(i) for i in eos}
