"""The README's shell examples run as written, and the README stays a front door.

Every fenced ``sh`` block runs with bash (``-euo pipefail``) in a scratch
folder that holds the repository's example inputs, with this environment's
``briefing`` first on PATH, offline, with no user config. Blocks that need
the network, a GPU, a model download or the whole install are marked with a
``<!-- no-test -->`` comment on the line before the fence.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BLOCK = re.compile(r"(<!-- no-test -->[ \t]*\n)?```sh\n(.*?)```", re.S)
LINK = re.compile(r"\]\(((?!https?:|#)[^)\s]+)\)")
INPUTS = ("seeds", "examples", "tests", "prompts")


def shell_examples() -> list[str]:
    return [body for marker, body in BLOCK.findall(README.read_text(encoding="utf-8")) if not marker]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("readme")
    for name in INPUTS:
        (folder / name).symlink_to(REPO / name)
    home = folder / ".home"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
    }
    env = {k: v for k, v in env.items() if not k.startswith("BRIEFING_") or k == "BRIEFING_PROMPTS_DIR"}
    return folder, env


def test_readme_has_examples_to_run_and_stays_short():
    assert len(shell_examples()) >= 6
    assert len(README.read_bytes()) <= 12 * 1024


def test_readme_links_and_screenshot_exist():
    text = README.read_text(encoding="utf-8")
    targets = LINK.findall(text)
    assert "docs/briefing.png" in targets and "docs/architecture.md" in targets
    for target in targets:
        assert (REPO / target).exists(), target
    assert (REPO / "docs/briefing.png").stat().st_size < 200_000


@pytest.mark.parametrize("block", shell_examples(), ids=lambda block: block.strip().splitlines()[0][:60])
def test_readme_example_runs_as_written(block, workspace):
    folder, env = workspace
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{block}\n--- stderr:\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr
