"""Which floating-point precision a model runs in when the user asks for ``auto``.

bfloat16 halves the memory traffic of every matrix product, which makes it
much faster than float32 on CPUs that compute in it natively (Intel AMX,
AVX-512 BF16) and *slower* on those that emulate it (AVX2-only CPUs such as
AMD Zen 3: about 1.7x slower, see ../shared/NOTES.md). So ``auto`` picks
bfloat16 on a CPU only when its flags say it has the instructions; on CUDA it
picks bfloat16 where the GPU supports it, else float16; float32 everywhere
else. Lower precision may change the wording of a summary: the choice and
its reason are recorded in the engine's ``describe()``.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo names of native bfloat16 arithmetic


def choose_dtype(device: str, cpu_flags: Collection[str], cuda_bf16_supported: bool = False) -> tuple[str, str]:
    """The dtype ``auto`` means on ``device`` and why: (dtype name, reason).

    ``cpu_flags`` are the CPU's feature flags (as in /proc/cpuinfo);
    ``cuda_bf16_supported`` is ``torch.cuda.is_bf16_supported()`` for a CUDA device.
    """
    kind = device.split(":", 1)[0]
    if kind == "cuda":
        if cuda_bf16_supported:
            return "bfloat16", "auto: the GPU supports bfloat16"
        return "float16", "auto: the GPU has no bfloat16, float16 instead"
    if kind == "cpu":
        native = [flag for flag in BF16_CPU_FLAGS if flag in cpu_flags]
        if native:
            return "bfloat16", f"auto: the CPU computes in bfloat16 ({', '.join(native)})"
        return "float32", "auto: the CPU has no native bfloat16 (no amx_bf16 or avx512_bf16), float32 is faster"
    return "float32", f"auto: float32 on {device}"


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The feature flags of the first CPU in ``cpuinfo``; empty where there is no such file (macOS, Windows)."""
    try:
        with cpuinfo.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                name, _, value = line.partition(":")
                if name.strip() in ("flags", "Features"):  # x86, ARM
                    return frozenset(value.split())
    except OSError:
        pass
    return frozenset()


def auto_dtype(device: str) -> tuple[str, str]:
    """``choose_dtype`` for ``device`` on this machine."""
    cuda_bf16 = False
    if device.startswith("cuda"):
        import torch

        cuda_bf16 = bool(torch.cuda.is_bf16_supported())
    return choose_dtype(device, cpu_flags(), cuda_bf16)
