"""OpenAI-compatible engine: any server that speaks the chat-completions API.

Ollama (``http://localhost:11434/v1``), llama.cpp's ``llama-server``
(``http://localhost:8080/v1``), vLLM (``vllm serve``, ``:8000/v1``), LM Studio
(``:1234/v1``), ``transformers serve`` and hosted services. The prompts and the
handling of answers are the instruction engines' (``summarize.engines.instruct``).

HTTP goes through the ``openai`` package, the reference client of this API:
its retries (exponential backoff with jitter on connection errors, 408, 409,
429 and 5xx; ``Retry-After`` honoured up to two minutes), timeouts and typed
errors are what this engine would otherwise have to write, and every server
above tests against it. Requests run in a bounded thread pool
(``max_concurrency``); every failure becomes one ``EngineError`` line.

Building the engine probes the server (``GET /models``, no retries, a short
timeout), so that a server that is down fails at once and ``--engine auto``
falls back to the extractive engine. The API key is read from the environment
variable ``api_key_env`` (default ``OPENAI_API_KEY``) and never logged or
recorded; local servers need none.

Token counting: with ``tokenizer`` (a hub id or directory of the served
model's tokenizer) exactly, its chat template included; without, by a
deliberately high estimate (``estimate_tokens``), so chunks come out smaller
than they could be rather than too large for the server.
"""

from __future__ import annotations

import concurrent.futures
import math
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from summarize.engines.base import EngineError
from summarize.engines.instruct import BUDGET_WORDS, Answer, InstructionSummarizer

DEFAULT_API_KEY_ENV = "OPENAI_API_KEY"
# Without a named tokenizer the server's context is unknown; 4096 tokens is a
# common default (llama-server's -c, Ollama's default context length).
DEFAULT_CONTEXT_TOKENS = 4096
DEFAULT_MAX_CONCURRENCY = 4
DEFAULT_TIMEOUT_S = 120.0  # per request: a CPU server may take a minute for a long prompt
DEFAULT_RETRIES = 3
PROBE_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 5.0
NO_KEY = "not-needed"  # the client insists on a key; local servers ignore it
CHAT_MARKUP_TOKENS = 16  # role marks of a chat template, when the tokenizer has none to count with
# Generation overrides that are chat-completions fields; others (top_k, min_p,
# repetition_penalty, ...) go into the body as given, for servers that take them.
_API_FIELDS = {"temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty"}


def estimate_tokens(text: str) -> int:
    """A high estimate of ``text``'s tokens when no tokenizer is at hand.

    One token per 3 ASCII characters and one per other character. Current
    tokenizers (Llama 3, Qwen, Gemma, Mistral) average about 4 characters per
    token on English news and 1-2 characters per token on scripts such as
    Cyrillic or Chinese, so this errs on the high side: chunks are packed
    about a quarter below what the server would take, never above it.
    """
    ascii_chars = len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / 3) + (len(text) - ascii_chars)


class OpenAISummarizer(InstructionSummarizer):
    """A model behind an OpenAI-compatible chat-completions server.

    Args:
        model: the model name the server knows ("qwen3:4b" for Ollama, the
            served name for vLLM; llama-server ignores it).
        base_url: the API root, e.g. ``http://localhost:11434/v1``.
        api_key_env: the environment variable holding the API key, if any.
        tokenizer: hub id or directory of a tokenizer to count tokens with;
            None counts by ``estimate_tokens``.
        context_tokens: the server's context (prompt plus answer) in tokens.
        max_concurrency: requests in flight at once.
        timeout: seconds one request may take (connecting: at most 5 s).
        retries: further tries of a request after a connection error,
            timeout, 408/409/429 or 5xx answer, with exponential backoff.
        thinking: leave the model's thinking switch alone; by default
            ``chat_template_kwargs={"enable_thinking": false}`` is sent, which
            vLLM, llama.cpp, SGLang and ``transformers serve`` apply and other
            servers ignore.
        prompts_dir, prompt_template, language, max_words, generation, on_progress: see
            ``InstructionSummarizer``; ``generation`` keys ``max_new_tokens``,
            ``temperature``, ``top_p``, ``seed``, ``stop`` and the penalties
            go into each request.
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str,
        api_key_env: str = DEFAULT_API_KEY_ENV,
        tokenizer: str | None = None,
        context_tokens: int | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        timeout: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        thinking: bool = False,
        generation: dict | None = None,
        prompts_dir: str | Path | None = None,
        prompt_template: str | Path | None = None,
        language: str | None = None,
        max_words: int = BUDGET_WORDS,
        on_progress: Callable[[int, int], None] | None = None,
    ):
        if not model:
            raise EngineError("the openai engine needs --model: the model name the server knows (e.g. qwen3:4b)")
        if not base_url:
            raise EngineError("the openai engine needs --base-url, e.g. http://localhost:11434/v1 for Ollama")
        if max_concurrency < 1 or timeout <= 0 or retries < 0:
            raise EngineError("openai engine: max_concurrency must be at least 1, timeout above 0, retries 0 or more")
        super().__init__(prompts_dir=prompts_dir, prompt_template=prompt_template, language=language,
                         max_words=max_words, generation=generation, on_progress=on_progress)
        self.model = str(model)
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env or DEFAULT_API_KEY_ENV
        self.max_concurrency = int(max_concurrency)
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.thinking = thinking
        self.tokenizer_name = tokenizer
        self._tokenizer = _load_tokenizer(tokenizer) if tokenizer else None
        self._has_key = bool(os.environ.get(self.api_key_env))
        self._client = _client(self.base_url, os.environ.get(self.api_key_env) or NO_KEY, self.timeout, self.retries)
        self._send_thinking_switch = not thinking
        self._switch_lock = threading.Lock()
        self._probe()
        self.context_tokens = int(context_tokens or DEFAULT_CONTEXT_TOKENS)
        self.max_input_tokens = self._input_limit(self.context_tokens)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text``: by the named tokenizer, else by ``estimate_tokens``."""
        if self._tokenizer is None:
            return estimate_tokens(text)
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])

    def describe(self) -> dict:
        # The key itself is never recorded: only where it comes from.
        return {
            **super().describe(),
            "base_url": self.base_url,
            "api_key_env": self.api_key_env if self._has_key else None,
            "token_counting": self.tokenizer_name or "estimate: ASCII characters / 3 + other characters",
            "context_tokens": self.context_tokens,
            "max_concurrency": self.max_concurrency,
            "timeout_s": self.timeout,
            "retries": self.retries,
            "thinking": self.thinking,
        }

    # -- InstructionSummarizer ------------------------------------------------

    def _prompt_tokens(self, prompt: str) -> int:
        tokenizer = self._tokenizer
        if tokenizer is not None and getattr(tokenizer, "chat_template", None):
            chat = tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
            return len(tokenizer(chat, add_special_tokens=False)["input_ids"])
        return self.count_tokens(prompt) + CHAT_MARKUP_TOKENS

    def _complete(self, prompts: Sequence[str], max_new_tokens: int) -> list[Answer]:
        """One request per prompt, at most ``max_concurrency`` in flight; answers in order."""
        if not prompts:
            return []
        answers: list[Answer | None] = [None] * len(prompts)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(prompts)))
        try:
            futures = {pool.submit(self._request, prompt, max_new_tokens): i for i, prompt in enumerate(prompts)}
            done = 0
            for future in concurrent.futures.as_completed(futures):
                answers[futures[future]] = future.result()  # the first failure ends the batch
                done += 1
                if self.on_progress:
                    self.on_progress(done, len(prompts))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return answers  # type: ignore[return-value]

    # -- HTTP -------------------------------------------------------------------

    def _request(self, prompt: str, max_new_tokens: int) -> Answer:
        """One chat completion; EngineError with one line on any failure."""
        import openai

        body = self._request_body(prompt, max_new_tokens)
        try:
            try:
                completion = self._client.chat.completions.create(**body)
            except openai.BadRequestError as exc:
                if "chat_template_kwargs" not in body.get("extra_body", {}) or "chat_template_kwargs" not in str(exc):
                    raise
                # A strict server (api.openai.com) refuses the thinking switch: stop sending it.
                with self._switch_lock:
                    self._send_thinking_switch = False
                completion = self._client.chat.completions.create(**self._request_body(prompt, max_new_tokens))
        except openai.OpenAIError as exc:
            raise EngineError(self._failure(exc)) from None
        except ValueError as exc:  # a body the client could not decode
            raise EngineError(f"{self.base_url}: the answer is not a chat completion ({_first_line(exc)})") from None
        return self._answer(completion)

    def _request_body(self, prompt: str, max_new_tokens: int) -> dict:
        body: dict = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_new_tokens,
        }
        extra: dict = {}
        for key, value in self.generation.items():
            if key == "max_new_tokens":
                continue
            if key in _API_FIELDS:
                body[key] = value
            else:
                extra[key] = value
        if self._send_thinking_switch:
            extra["chat_template_kwargs"] = {"enable_thinking": False}
        if extra:
            body["extra_body"] = extra
        return body

    def _answer(self, completion) -> Answer:
        """The text and whether it finished, from a completion whose shape is checked."""
        choices = getattr(completion, "choices", None)
        if not isinstance(choices, list) or not choices:
            raise EngineError(f"{self.base_url}: the answer is not a chat completion (no choices)")
        choice = choices[0]
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        if content is not None and not isinstance(content, str):
            raise EngineError(f"{self.base_url}: the answer is not a chat completion (content is {type(content).__name__})")
        return Answer(content or "", getattr(choice, "finish_reason", None) != "length")

    def _probe(self) -> None:
        """Fail now, in one line, when the server is down or refuses us; a missing /models is fine."""
        import openai

        try:
            self._client.with_options(max_retries=0, timeout=PROBE_TIMEOUT_S).models.list()
        except (openai.NotFoundError, openai.UnprocessableEntityError, openai.BadRequestError):
            return  # the server lacks GET /models; chat requests will tell
        except openai.OpenAIError as exc:
            raise EngineError(self._failure(exc, tries=1, timeout=PROBE_TIMEOUT_S)) from None
        except ValueError:
            return  # /models answered something odd: not our concern here

    def _failure(self, exc: Exception, tries: int | None = None, timeout: float | None = None) -> str:
        """One line for a failed request, naming the server and what to do."""
        import openai

        tries = self.retries + 1 if tries is None else tries
        timeout = self.timeout if timeout is None else timeout
        after = f" after {tries} tries" if tries > 1 else ""
        where = self.base_url
        if isinstance(exc, openai.APITimeoutError):
            return f"{where}: no answer within {timeout:g} s{after} (raise --timeout for slow servers)"
        if isinstance(exc, openai.APIConnectionError):
            cause = _root_cause(exc)
            return f"cannot reach the server at {where}{after} ({cause}); is it running?"
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            if self._has_key:
                return f"{where} refused the API key in ${self.api_key_env} ({exc.status_code})"
            return f"{where} needs an API key ({exc.status_code}): put it in ${self.api_key_env} or name another variable with --api-key-env"
        if isinstance(exc, openai.NotFoundError):
            return f"{where}: model {self.model!r} not found ({_server_message(exc)})"
        if isinstance(exc, openai.RateLimitError):
            return f"{where}: still rate-limited (429){after}"
        if isinstance(exc, openai.APIStatusError):
            return f"{where} answered {exc.status_code}{after} ({_server_message(exc)})"
        if isinstance(exc, openai.APIResponseValidationError):
            return f"{where}: the answer is not a chat completion ({_first_line(exc)})"
        return f"{where}: {_first_line(exc)}"


def _client(base_url: str, api_key: str, timeout: float, retries: int):
    import openai

    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=openai.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S)),
        max_retries=retries,
    )


def _load_tokenizer(name: str):
    """A tokenizer to count with, looked up like a model (local directory, cache, hub)."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    from summarize.engines.abstractive import resolve_model

    location, local_only = resolve_model(name)
    hf_logging.set_verbosity_error()
    try:
        return AutoTokenizer.from_pretrained(location, local_files_only=local_only, trust_remote_code=False)
    except (OSError, ValueError, KeyError) as exc:
        raise EngineError(f"{name}: cannot load a tokenizer ({_first_line(exc)})") from None


def _server_message(exc) -> str:
    """The server's own error message, shortened to fit one line."""
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        message = message or body.get("detail")
    text = " ".join(str(message or getattr(exc, "message", "") or type(exc).__name__).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _root_cause(exc: BaseException) -> str:
    """The innermost cause of a connection error: "Connection refused", "Name or service not known"."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
