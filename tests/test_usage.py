"""Usage counts: generated lengths up to EOS, running totals and per-briefing differences."""

from summarize.engines.usage import GenerationUsage, eos_token_ids, generated_length


def test_generated_length_counts_up_to_and_including_the_first_eos():
    assert generated_length([0, 7, 8, 2, 1, 1], {2}) == 4  # padding after EOS is not generated
    assert generated_length([0, 7, 8, 9], {2}) == 4  # the length limit was hit: no EOS
    assert generated_length([2, 2, 2], {2}) == 1
    assert generated_length([5, 6, 9, 1], {9, 6}) == 2  # several EOS ids
    assert generated_length([5, 6], set()) == 2


def test_totals_add_up_over_calls_and_since_gives_the_difference():
    usage = GenerationUsage()
    usage.record([5, 3], 5, [[4, 2, 1], [4, 4, 2]], {2})
    before = usage.as_dict()
    assert before == {"generate_calls": 1, "input_tokens": 8, "padded_input_tokens": 10, "output_tokens": 5}
    usage.record([7], 7, [[4, 4, 4]], {2})
    assert usage.since(before) == {"generate_calls": 1, "input_tokens": 7, "padded_input_tokens": 7, "output_tokens": 3}
    assert usage.as_dict()["output_tokens"] == 8


def test_eos_ids_from_a_config_or_settings():
    class Config:
        eos_token_id = [2, 5]

    assert eos_token_ids(Config()) == {2, 5}
    assert eos_token_ids({"eos_token_id": 3}) == {3}
    assert eos_token_ids({}) == set()
