"""What the instruction engines share: prompts per stage, language, clean answers, headlines.

An instruction engine (``chat``: a transformers chat model; ``openai``: any
OpenAI-compatible server) is told what to do in a prompt. Each call renders
one of three Jinja2 templates (``summarize.prompts.STAGES``) into one user
message: ``summarize`` for a chunk of one story's articles (``Chunk.level``
0), ``fuse`` for a chunk of chunk summaries (level 1 and up), ``headline``
for a story summary. Every prompt states the word budget and the language by
name: ``language`` when given, else the language detected in the story's
sources (asking for "the original language" is known to fail).

Subclasses implement ``_complete``: prompts in, ``Answer``s out. This class
turns answers into summaries: reasoning blocks (``<think>...</think>``, also
one never closed) are stripped, a preamble line and Markdown marks dropped, an
answer cut by the token limit loses its unfinished last sentence.

Token budget: a call's prompt plus its answer must fit ``context_tokens``.
The answer is given ``answer_tokens(max_words)`` tokens (or the
``max_new_tokens`` override); ``max_input_tokens`` is what is left for the
chunk's text once the template's own tokens and the answer are counted, and
the chunker packs chunks to it.
"""

from __future__ import annotations

import math
import re
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from summarize.engines.base import EngineError, Summarizer
from summarize.language import MIN_CONFIDENCE, detect_language, language_name
from summarize.models import Chunk
from summarize.prompts import load_stage_templates
from summarize.sentences import ends_sentence, split_sentences, word_count

# Answer length: tokens per word of the budget (news English takes about 1.3
# with current tokenizers, other languages up to about 2), plus room for the
# end-of-turn marks. An answer that still hits the limit is cut at its last
# complete sentence.
TOKENS_PER_WORD = 2.0
ANSWER_MARGIN_TOKENS = 16
BUDGET_WORDS = 120  # the word budget room is reserved for unless told (the pipeline's default)
# Tokens kept free besides: a text's tokens may merge differently at the seams
# of the template, and a detected language's name may be longer than the one counted.
PROMPT_MARGIN_TOKENS = 8
FALLBACK_LANGUAGE = "English"  # when nothing read so far was detected with confidence
_MAX_REMEMBERED_STORIES = 10_000

_REASONING_TAGS = "think|thinking|reasoning"
_REASONING_BLOCK = re.compile(rf"<({_REASONING_TAGS})>.*?</\1>", re.IGNORECASE | re.DOTALL)
_REASONING_CLOSE = re.compile(rf"</(?:{_REASONING_TAGS})>", re.IGNORECASE)
_REASONING_OPEN = re.compile(rf"<(?:{_REASONING_TAGS})>", re.IGNORECASE)
# "Here is a summary of the story:", "Summary:", "**Summary**" on a line of its own.
_PREAMBLE = re.compile(r"^(?:here(?:'s| is| are)\b.*|(?:\*\*)?(?:summary|headline|title)(?:\*\*)?\s*:?(?:\*\*)?)\s*:?\s*$", re.IGNORECASE)
_LIST_MARK = re.compile(r"^(?:[-*•]\s+|\d+[.)]\s+|#+\s*)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_LABEL = re.compile(r"^(?:\*\*)?(?:headline|title)(?:\*\*)?\s*:\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»*_`"


@dataclass(frozen=True)
class Answer:
    """A model's reply to one prompt; ``finished`` is False when the token limit cut it."""

    text: str
    finished: bool = True


def answer_tokens(max_words: int) -> int:
    """Tokens an answer of ``max_words`` words is given."""
    return math.ceil(max_words * TOKENS_PER_WORD) + ANSWER_MARGIN_TOKENS


def strip_reasoning(text: str) -> str:
    """``text`` without reasoning: ``<think>...</think>`` blocks go, and so does

    everything before a closing tag whose opening one was in the prompt, and
    everything after an opening tag never closed (the answer never came).
    """
    text = _REASONING_BLOCK.sub("", text)
    closing = None
    for closing in _REASONING_CLOSE.finditer(text):
        pass
    if closing is not None:
        text = text[closing.end():]
    opening = _REASONING_OPEN.search(text)
    if opening is not None:
        text = text[:opening.start()]
    return text.strip()


def clean_summary(answer: Answer) -> str:
    """The summary in an answer: reasoning, a preamble line and Markdown marks removed,
    lines joined; an answer cut by the token limit ends at its last complete sentence
    (or, with none complete, keeps its words and ends with "…")."""
    lines = [line.strip() for line in strip_reasoning(answer.text).splitlines() if line.strip()]
    if len(lines) > 1 and _PREAMBLE.match(lines[0]):
        lines = lines[1:]
    lines = [_EMPHASIS.sub(r"\2", _LIST_MARK.sub("", line)) for line in lines]
    text = " ".join(" ".join(lines).split())
    if answer.finished or not text:
        return text
    sentences = split_sentences(text)
    while sentences and not ends_sentence(sentences[-1]):
        sentences.pop()
    return " ".join(sentences) if sentences else text.rstrip(" ,;:") + "…"


def clean_headline(answer: Answer, max_words: int) -> str | None:
    """The headline in an answer, or None when there is none usable (empty, cut, too long)."""
    lines = [line.strip() for line in strip_reasoning(answer.text).splitlines() if line.strip()]
    lines = [line for line in lines if not _PREAMBLE.match(line)]
    if not lines or not answer.finished:
        return None
    headline = _LABEL.sub("", _LIST_MARK.sub("", lines[0])).strip(_QUOTES + " ")
    headline = _EMPHASIS.sub(r"\2", headline).rstrip(".").strip(_QUOTES + " ")
    if not headline or word_count(headline) > max_words or not any(ch.isalnum() for ch in headline):
        return None
    return headline


class InstructionSummarizer(Summarizer):
    """Base of the engines that follow prompts (see the module docstring).

    Args:
        prompts_dir: a folder whose ``summarize.j2``, ``fuse.j2`` or
            ``headline.j2`` replace the shipped templates
            (``BRIEFING_PROMPTS_DIR`` too; see ``summarize.prompts``).
        prompt_template: a file replacing the summarize stage's template
            (``--prompt-template``, as for the seq2seq engine).
        language: the language to write in (a name or ISO 639 code); None
            writes in the language of each story's sources.
        max_words: the word budget room is reserved for in each call's context.
        generation: overrides of the generation settings; ``max_new_tokens``
            replaces the budget-derived answer length.
        on_progress: called with (done, total) as answers arrive.
    """

    writes_language = True  # follows ``language``; seq2seq engines cannot translate

    def __init__(
        self,
        *,
        prompts_dir: str | Path | None = None,
        prompt_template: str | Path | None = None,
        language: str | None = None,
        max_words: int = BUDGET_WORDS,
        generation: dict | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        try:
            self.prompts = load_stage_templates(prompts_dir, {"summarize": prompt_template} if prompt_template else None)
        except ValueError as exc:
            raise EngineError(str(exc)) from None
        self.prompts_dir = str(prompts_dir) if prompts_dir else None
        self.prompt_template = str(prompt_template) if prompt_template else None
        self.language = language_name(language) if language else None
        self.generation = dict(generation or {})
        self.budget_words = max(1, int(max_words))
        self.on_progress = on_progress
        self._story_languages: dict[str, str] = {}
        self._detected: Counter[str] = Counter()

    # -- what subclasses provide ------------------------------------------------

    @abstractmethod
    def _complete(self, prompts: Sequence[str], max_new_tokens: int) -> list[Answer]:
        """One answer per prompt (a user message), in order; EngineError on failure."""

    @abstractmethod
    def _prompt_tokens(self, prompt: str) -> int:
        """Tokens the prompt takes as the model sees it (chat template included)."""

    # -- the engine interface ----------------------------------------------------

    def summarize(self, chunks: Sequence[Chunk], max_words: int) -> list[str]:
        """One summary per chunk: the summarize stage for article chunks, fuse for chunk summaries."""
        if max_words < 1:
            raise ValueError(f"max_words must be at least 1, got {max_words}")
        prompts = [
            self.render("fuse" if chunk.level > 0 else "summarize", chunk.text, max_words, self._language_of(chunk))
            for chunk in chunks
        ]
        answers = self._complete(prompts, self._answer_tokens(max_words))
        return [clean_summary(answer) for answer in answers]

    def write_headlines(self, summaries: Sequence[str], max_words: int = 12) -> list[str | None]:
        """A headline per summary from the headline stage; None where the model gave none usable.

        A headline naming an entity (name, number, date) that its summary does
        not contain is refused (None), as the factual guard refuses such sentences.
        """
        from summarize.facts.support import check_sentences

        todo = [i for i, summary in enumerate(summaries) if summary.strip()]
        prompts = [self.render("headline", summaries[i], max_words, self._language_of_text(summaries[i])) for i in todo]
        answers = self._complete(prompts, answer_tokens(max_words)) if prompts else []
        headlines: list[str | None] = [None] * len(summaries)
        for i, answer in zip(todo, answers):
            headline = clean_headline(answer, max_words)
            if headline is not None and check_sentences([headline], [summaries[i]])[0].ok:
                headlines[i] = headline
        return headlines

    def render(self, stage: str, text: str, max_words: int, language: str) -> str:
        """The prompt of ``stage`` for ``text``."""
        return self.prompts[stage].render(text=text, max_words=max_words, language=language)

    def describe(self) -> dict:
        return {
            "engine": self.name,
            "model": self.model,
            "language": self.language or "the sources' language",
            "prompts_dir": self.prompts_dir,
            "prompt_template": self.prompt_template,
            "max_input_tokens": self.max_input_tokens,
            "generation": dict(self.generation),
        }

    # -- budget ---------------------------------------------------------------

    def _answer_tokens(self, max_words: int) -> int:
        return int(self.generation.get("max_new_tokens") or answer_tokens(max_words))

    def _input_limit(self, context_tokens: int) -> int:
        """``max_input_tokens`` for a context of ``context_tokens``: room left for the chunk's text.

        The largest empty prompt of the summarize and fuse stages (template,
        chat markup and a language name) and the answer are taken off.
        """
        overhead = max(
            self._prompt_tokens(self.render(stage, "", self.budget_words, self.language or "Modern Greek"))
            for stage in ("summarize", "fuse")
        )
        limit = context_tokens - overhead - self._answer_tokens(self.budget_words) - PROMPT_MARGIN_TOKENS
        if limit < 64:
            raise EngineError(
                f"{self.model}: a context of {context_tokens} tokens leaves {limit} for the text once the prompt "
                f"({overhead}) and the answer ({self._answer_tokens(self.budget_words)}) are counted; "
                "give a larger context or a smaller --max-words"
            )
        return limit

    # -- language ---------------------------------------------------------------

    def _language_of(self, chunk: Chunk) -> str:
        """The language to write ``chunk``'s summary in: the given one, else the story's.

        A story's language is detected once, from its first chunk read with
        confidence, and kept for its later chunks and fusion levels.
        """
        if self.language:
            return self.language
        known = self._story_languages.get(chunk.story_id)
        if known:
            return known
        name, probability = detect_language(chunk.text)
        if name is None or probability < MIN_CONFIDENCE:
            return self._usual_language()
        if len(self._story_languages) >= _MAX_REMEMBERED_STORIES:
            self._story_languages.clear()
        self._story_languages[chunk.story_id] = name
        self._detected[name] += 1
        return name

    def _language_of_text(self, text: str) -> str:
        if self.language:
            return self.language
        name, probability = detect_language(text)
        return name if name is not None and probability >= MIN_CONFIDENCE else self._usual_language()

    def _usual_language(self) -> str:
        """The language detected most often so far; English before anything was."""
        return self._detected.most_common(1)[0][0] if self._detected else FALLBACK_LANGUAGE
