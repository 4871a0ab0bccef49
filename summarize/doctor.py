"""``briefing doctor``: what this installation can do, and what to do next.

Checks, each one line: versions of the tool, Python and the libraries that
matter; the torch build and the devices it sees; the Hugging Face cache
(``HF_HOME``) and whether the default model is in it; whether the Hub answers
(a TCP connection with a short timeout, skipped under ``HF_HUB_OFFLINE``);
the config files found. The last line says which engine ``briefing brief``
will use, and when that is the fallback, how to get the model.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

LIBRARIES = ("torch", "transformers", "tokenizers", "huggingface-hub", "datasets", "typer", "trafilatura", "feedparser",
             "ctranslate2")  # ctranslate2: the optional --backend ctranslate2 ([ct2] extra)
OK, INFO, PROBLEM = "ok", "info", "problem"


@dataclass
class Check:
    """One line of the report: what was checked, what was found, how it stands."""

    name: str
    found: str
    status: str = INFO


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    engine: str = ""  # what `briefing brief` will use: "abstractive" or "extractive"
    next_step: str = ""  # what to do when the model is not usable

    @property
    def ok(self) -> bool:
        return not any(check.status == PROBLEM for check in self.checks)


def diagnose(model: str | None = None, environ: Mapping[str, str] | None = None, probe_hub: bool = True) -> Report:
    """Run every check for ``model`` (the default model when None); never raises."""
    from summarize.engines.abstractive import DEFAULT_MODEL
    from summarize.records import tool_version

    environ = os.environ if environ is None else environ
    model = model or DEFAULT_MODEL
    report = Report()
    add = report.checks.append
    add(Check("briefing", tool_version(), OK))
    add(Check("python", f"{platform.python_version()} ({platform.system()} {platform.machine()})", OK))
    add(Check("libraries", ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)))
    add(_torch_check())
    cache = _hf_cache_dir(environ)
    add(Check("HF_HOME", f"{environ.get('HF_HOME') or '(unset)'}; model cache {cache}"))
    cached = _model_cached(model)
    if Path(model).expanduser().is_dir():
        add(Check("model", f"{model}: local folder", OK if (Path(model).expanduser() / "config.json").is_file() else PROBLEM))
        cached = True
    else:
        add(Check("model", f"{model}: {'in the local cache' if cached else 'not in the local cache'}", OK if cached else INFO))
    reachable = False
    if _offline(environ):
        add(Check("hub", "not checked: HF_HUB_OFFLINE is set"))
    elif probe_hub:
        from summarize.engines.abstractive import _hub_reachable

        reachable, reason = _hub_reachable()
        add(Check("hub", "reachable" if reachable else f"unreachable ({reason})", OK if reachable else INFO))
    add(_config_check("config", _brief_config(environ)))
    add(_config_check("digest config", _digest_config(environ)))
    if cached or reachable:
        report.engine = "abstractive"
        report.next_step = f"briefing brief uses {model}" + ("" if cached else " (downloaded on first use)")
    else:
        report.engine = "extractive"
        report.next_step = (
            f"briefing brief falls back to the extractive engine: download the model where the Hub is reachable "
            f"(huggingface-cli download {model}, then copy {cache} here or point HF_HOME at it), "
            f"pass a local folder with --model DIR, or choose -e extractive to skip the model"
        )
    return report


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _torch_check() -> Check:
    try:
        import torch
    except Exception as exc:  # a broken torch install must still give a report
        return Check("torch", f"cannot import ({type(exc).__name__}: {exc})", PROBLEM)
    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i} {torch.cuda.get_device_name(i)}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    return Check("torch", f"{torch.__version__} ({build}); devices: {', '.join(devices)}; --device auto picks {devices[-1].split(' ')[0]}", OK)


def _hf_cache_dir(environ: Mapping[str, str]) -> str:
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except Exception:  # pragma: no cover - huggingface_hub is a dependency
        return str(Path(environ.get("HF_HOME", "~/.cache/huggingface")).expanduser() / "hub")


def _model_cached(model: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(model, "config.json"), str)
    except Exception:  # not a valid repo id
        return False


def _offline(environ: Mapping[str, str]) -> bool:
    return environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _brief_config(environ: Mapping[str, str]) -> tuple[Path | None, Path]:
    from summarize.settings import default_config_path, find_config

    return find_config(None, environ), default_config_path(environ)


def _digest_config(environ: Mapping[str, str]) -> tuple[Path | None, Path]:
    from summarize.digest.config import default_config_path  # where `briefing digest` looks without --config

    named = environ.get("BRIEFING_DIGEST_CONFIG", "").strip()
    default = default_config_path(environ)
    if named:
        return Path(named).expanduser(), default
    return (default if default.is_file() else None), default


def _config_check(name: str, found: tuple[Path | None, Path]) -> Check:
    path, default = found
    if path is None:
        return Check(name, f"none ({default} does not exist)")
    if not path.is_file():
        return Check(name, f"{path}: no such file", PROBLEM)
    return Check(name, str(path), OK)
