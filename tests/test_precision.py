"""choose_dtype: bfloat16 only where the hardware computes in it, float32 otherwise."""

import pytest

from summarize.engines.abstractive import AbstractiveSummarizer
from summarize.engines.precision import choose_dtype, cpu_flags

ZEN3 = {"fpu", "sse4_2", "avx", "avx2", "fma", "bmi2", "sha_ni"}  # AVX2 only
SKYLAKE_SP = ZEN3 | {"avx512f", "avx512bw", "avx512vl", "avx512_vnni"}  # AVX-512 without BF16
SAPPHIRE_RAPIDS = SKYLAKE_SP | {"avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}
ZEN4 = SKYLAKE_SP | {"avx512_bf16"}


@pytest.mark.parametrize("flags, expected", [
    (ZEN3, "float32"),
    (SKYLAKE_SP, "float32"),  # AVX-512 alone emulates bfloat16: slower
    (SAPPHIRE_RAPIDS, "bfloat16"),
    (ZEN4, "bfloat16"),
    ({"amx_bf16"}, "bfloat16"),
    (set(), "float32"),  # no flags known (no /proc/cpuinfo)
])
def test_cpu_gets_bfloat16_only_with_native_bfloat16(flags, expected):
    dtype, reason = choose_dtype("cpu", flags)
    assert dtype == expected and reason.startswith("auto: ")
    if expected == "bfloat16":
        assert "bf16" in reason  # names the flag it relied on


def test_gpus_get_half_precision_and_other_devices_float32():
    assert choose_dtype("cuda", set(), cuda_bf16_supported=True)[0] == "bfloat16"
    assert choose_dtype("cuda:1", SAPPHIRE_RAPIDS, cuda_bf16_supported=False)[0] == "float16"
    assert choose_dtype("mps", SAPPHIRE_RAPIDS)[0] == "float32"


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 sha_ni\n\nprocessor\t: 1\n"
                       "flags\t\t: fpu avx2 sha_ni\n", encoding="utf-8")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "sha_ni"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_engine_auto_loads_the_chosen_dtype_and_says_why(tiny_model_dir):
    engine = AbstractiveSummarizer(str(tiny_model_dir), dtype="auto", backend="torch",
                                   generation={"max_new_tokens": 4})
    expected, reason = choose_dtype("cpu", cpu_flags())
    info = engine.describe()
    assert info["dtype"] == expected and info["dtype_reason"] == reason
    assert "dtype_reason" not in AbstractiveSummarizer(str(tiny_model_dir), dtype="float32", backend="torch").describe()
