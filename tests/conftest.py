"""Shared fixtures: the seed articles, tiny models built offline, one torch thread."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Tests share a 2-core machine with other work; more threads only make them slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
# No test may touch the network: hub ids must fail fast, not retry for 20 s.
os.environ["HF_HUB_OFFLINE"] = "1"

sys.path.insert(0, str(Path(__file__).parent))
from tiny_model import build_tiny_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED_BENCH = REPO.parent / "shared" / "bench"


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch, tmp_path_factory):
    """No test reads the developer's config files, BRIEFING_* settings or time zone, or writes their cache."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-config"))
    # Converted models (the ctranslate2 backend) go to a cache shared by the session, not the developer's.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("TZ", "UTC")  # dates shown in the reader's zone: the same on every machine
    for name in list(os.environ):
        if name.startswith("BRIEFING_") and name != "BRIEFING_PROMPTS_DIR":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny random BART and its BPE tokenizer, saved with save_pretrained."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-bart"), "bart")


@pytest.fixture(scope="session")
def tiny_varied_bart_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """The tiny BART with its matrices redrawn at a larger scale (std 0.3), saved the same way.

    The tiny BART's small initial weights make it write the same junk for
    every input; this one's output depends on its input, so tests that
    compare outputs (before and after a speed change) can see a difference.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    directory = tmp_path_factory.mktemp("tiny-bart-varied")
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model_dir)
    torch.manual_seed(1)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() > 1:
                parameter.normal_(0.0, 0.3)
    model.save_pretrained(directory)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_t5_dir(tmp_path_factory) -> Path:
    """A tiny random T5 (an instruction-model family) and its tokenizer."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-t5"), "t5")


@pytest.fixture(scope="session")
def tiny_chat_dir(tmp_path_factory) -> Path:
    """A tiny random Qwen2-style chat model (ChatML template) and its BPE tokenizer."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-chat"), "qwen2", max_positions=1024)


@pytest.fixture(scope="session")
def chat_server(tiny_chat_dir) -> str:
    """``transformers serve`` serving the tiny chat model on 127.0.0.1; its base URL.

    Skipped, with the reason, only when the server cannot run here (its
    packages missing, or it does not start).
    """
    from openai_support import ServeUnavailable, serve_model

    try:
        with serve_model(tiny_chat_dir) as base_url:
            yield base_url
    except ServeUnavailable as exc:
        pytest.skip(f"transformers serve cannot run here: {exc}")


@pytest.fixture(scope="session")
def fault_server():
    """A local HTTP server answering chat completions with 429, 500, timeouts, broken JSON (see openai_support)."""
    from openai_support import FaultServer

    with FaultServer() as server:
        yield server


@pytest.fixture
def http_server(tmp_path):
    """A local HTTP server: files under ``tmp_path`` plus /endless (streams without end) and /slow."""
    import functools
    import http.server
    import threading
    import time

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path in ("/endless", "/slow"):
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.end_headers()
                try:
                    for _ in range(10_000 if self.path == "/endless" else 30):
                        self.wfile.write(b"<item>" * 2048 if self.path == "/endless" else b"<")
                        self.wfile.flush()
                        if self.path == "/slow":
                            time.sleep(0.1)
                except OSError:
                    pass
                return
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def news_site(tmp_path, http_server):
    """``http_server`` serving a news page (page.html) and an RSS feed (gazette.rss); its base URL."""
    from test_feeds import RSS

    paragraph = "The city council approved the new budget after a long debate on Tuesday evening. " * 3
    (tmp_path / "page.html").write_text(
        f"<html><head><title>Council approves budget</title></head><body><article><h1>Council approves budget</h1>"
        f"<p>{paragraph}</p><p>{paragraph}</p></article></body></html>", encoding="utf-8")
    (tmp_path / "gazette.rss").write_text(RSS, encoding="utf-8")
    return http_server
