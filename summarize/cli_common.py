"""What every ``briefing`` command shares: option types defined once, ``-`` for
stdin and stdout, writing outputs, and how much goes to stderr.

Conventions of every command:

- ``-`` as a file option means stdin (inputs) or stdout (outputs); at most
  one option of a command reads stdin.
- ``--quiet`` means errors only on stderr; ``--verbose`` adds the pipeline's
  notes. Progress bars appear only on a terminal.
- Exit codes: 0 done; 1 the engine, a model or a system failed; 2 bad usage,
  a bad option value or no readable input.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from summarize.console import EXIT_BAD_INPUT, fail, stderr

STDIO = "-"
EXIT_FAILED = 1

EXIT_CODES_HELP = "Exit codes: 0 done; 1 the engine or a model failed; 2 bad usage, an input you named that cannot be read (the rest is still written), or no readable input."


class Device(str, Enum):
    """Where a model runs; ``auto`` picks cuda, then mps, then cpu."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"


class Dtype(str, Enum):
    """Model precision; lower ones are faster on supporting hardware and may change wording."""

    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"
    float16 = "float16"
    int8 = "int8"


class Backend(str, Enum):
    """What runs a seq2seq model; ``auto`` uses CTranslate2 where it can (see summarize.engines.ct2_backend)."""

    auto = "auto"
    torch = "torch"
    ctranslate2 = "ctranslate2"


def device_value(device: Device) -> str | None:
    """The engine's ``device`` argument: None lets the engine choose."""
    return None if device == Device.auto else device.value


# Option types shared by several commands. A flag gets metavar="" so help
# shows no "<bool>" column; typed options name what they take.
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="Errors only on stderr: no progress, notes or warnings.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", metavar="", help="Also print the pipeline's notes (repeats removed, chunks split, files skipped) on stderr.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", dir_okay=False, help="Write to FILE (- for stdout).", show_default="stdout")]
ThreadsOpt = Annotated[Optional[int], typer.Option("--threads", min=1, metavar="N", envvar="BRIEFING_THREADS", show_envvar=True, help="CPU threads for models.", show_default="torch's choice")]
DeviceOpt = Annotated[Device, typer.Option("--device", envvar="BRIEFING_DEVICE", show_envvar=True, help="Where models run; auto: cuda, then mps, then cpu.")]
BackendOpt = Annotated[Backend, typer.Option("--backend", envvar="BRIEFING_BACKEND", show_envvar=True, help="Seq2seq runtime (abstractive engine): ctranslate2 converts the model once (cached) and runs int8 on CPU, float16 on GPU, for BART, PEGASUS and T5; auto uses it when installed and the model, device, settings and --dtype allow, else torch.")]
RayOpt = Annotated[Optional[str], typer.Option("--ray", metavar="ADDRESS", envvar="BRIEFING_RAY", show_envvar=True, help="Summarise on a Ray cluster (docs/ray.md): auto (RAY_ADDRESS or the cluster `ray start` runs here), local (start Ray on this machine), or HOST:PORT / ray://HOST:10001. Needs pip install -e '.\\[ray]'.", show_default="in this process")]
RayActorsOpt = Annotated[Optional[int], typer.Option("--ray-actors", min=1, metavar="N", envvar="BRIEFING_RAY_ACTORS", show_envvar=True, help="With --ray: models loaded at once, one per actor.", show_default="one per GPU of the cluster, else one per CPU")]
BatchSizeOpt = Annotated[int, typer.Option("--batch-size", min=1, metavar="N", envvar="BRIEFING_BATCH_SIZE", show_envvar=True, help="Chunks per generate() call.")]


def ray_options(address: str | None, actors: int | None):
    """The ``RayOptions`` of ``--ray``/``--ray-actors`` after joining the cluster, or None without ``--ray``.

    Joining first makes a missing Ray or an unreachable cluster one line
    (exit 1) before any model loads.
    """
    if not address:
        if actors is not None:
            raise fail("--ray-actors needs --ray ADDRESS (auto, local or HOST:PORT)")
        return None
    from summarize.distributed import DistributedError, RayOptions, connect

    try:
        connect(address)
    except DistributedError as exc:
        raise fail(str(exc), EXIT_FAILED) from None
    return RayOptions(address=address, actors=actors)


def is_stdio(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDIO


def check_one_stdin(**options: object) -> None:
    """Exit 2 when more than one of ``options`` (name -> value) is ``-``: stdin can be read once."""
    readers = [name for name, value in options.items() if is_stdio(value) or (isinstance(value, list) and STDIO in map(str, value))]
    if len(readers) > 1:
        raise fail(f"only one input can be read from stdin, but {' and '.join(readers)} are all -")


@contextlib.contextmanager
def stdin_as_file(path: Path | str | None, suffix: str) -> Iterator[Path | None]:
    """``path`` itself, or for ``-`` a temporary file holding stdin (for readers that take paths).

    Messages naming the temporary file should go through ``stdin_name``.
    """
    if not is_stdio(path):
        yield Path(path) if path is not None else None
        return
    with tempfile.TemporaryDirectory(prefix="briefing-stdin-") as folder:
        spooled = Path(folder) / f"stdin{suffix}"
        with spooled.open("wb") as out:
            while chunk := sys.stdin.buffer.read(1 << 20):
                out.write(chunk)
        yield spooled


def stdin_name(message: str, spooled: Path | None) -> str:
    """``message`` with a temporary stdin file's path replaced by ``<stdin>``."""
    return message.replace(str(spooled), "<stdin>") if spooled is not None and "briefing-stdin-" in str(spooled) else message


def write_output(text: str, output: Path | None) -> None:
    """Write ``text`` to stdout (``output`` None or ``-``) or atomically to the file ``output``."""
    if output is None or is_stdio(output):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})", EXIT_BAD_INPUT) from None


def warn(message: str, quiet: bool) -> None:
    """A warning line on stderr unless ``quiet``."""
    if not quiet:
        stderr.print(f"briefing: warning: {message}", markup=False)


def note(message: str, verbose: bool) -> None:
    """A pipeline note on stderr with ``--verbose``."""
    if verbose:
        stderr.print(f"briefing: note: {message}", markup=False)
