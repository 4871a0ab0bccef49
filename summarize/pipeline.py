"""The pipeline end to end: articles in, one Briefing out.

clean -> dedup -> group -> chunk -> summarise -> fuse, each stage a function
of its own module; this module only wires them and records how the briefing
was made. Reading inputs and writing outputs stay with the callers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from summarize.clean import clean_article
from summarize.dedup import find_near_duplicates
from summarize.engines import EngineError, Summarizer, load_engine, load_engine_with_fallback
from summarize.fuse import summarize_stories
from summarize.group import group_articles
from summarize.ingest import IngestLimits
from summarize.models import Article, Briefing, EarlierCoverage, Story, StorySummary
from summarize.updates import update_settings

DEFAULT_MAX_WORDS = 120


@dataclass
class BriefingOptions:
    """What a user chooses for one briefing (CLI options, digest config)."""

    engine: str = "auto"  # auto | abstractive | extractive
    model: str | None = None  # hub id or local directory; None = the engine's default
    max_words: int = DEFAULT_MAX_WORDS  # per story summary
    threads: int | None = None
    device: str | None = None
    dtype: str | None = "auto"  # auto | float32 | bfloat16 | float16 | int8 (see summarize.engines.precision)
    backend: str = "auto"  # seq2seq runtime: auto | torch | ctranslate2
    batch_size: int = 4
    generation: dict = field(default_factory=dict)  # overrides of the model's generation_config
    prompt_template: str | None = None
    unsupported: str = "remove"  # factual guard: remove or flag sentences with unsupported entities
    limits: IngestLimits = field(default_factory=IngestLimits)  # reading inputs: file size, articles, line length
    # Instruction engines (chat, openai); see docs/engines.md.
    language: str | None = None  # write the briefing in this language; None = the sources' language
    prompts_dir: str | None = None  # folder whose summarize/fuse/headline .j2 templates replace the shipped ones
    context_tokens: int | None = None  # prompt + answer per call; None = the model's (chat) or 4096 (openai)
    thinking: bool = False  # let thinking models think (slower); reasoning is stripped either way
    base_url: str | None = None  # OpenAI-compatible server, e.g. http://localhost:11434/v1
    api_key_env: str = "OPENAI_API_KEY"  # environment variable holding the server's API key, if any
    tokenizer: str | None = None  # hub id or directory to count the server model's tokens with
    max_concurrency: int = 4  # requests in flight at once
    timeout: float = 120.0  # seconds per request
    retries: int = 3  # further tries after a timeout, 429 or 5xx, with exponential backoff

    def engine_options(self) -> dict:
        """Keyword arguments for the engines; each takes the ones it knows (``summarize.engines.load_engine``)."""
        return {
            "threads": self.threads, "device": self.device, "dtype": self.dtype,
            "backend": self.backend, "batch_size": self.batch_size, "generation": self.generation,
            "prompt_template": self.prompt_template,
            "max_words": self.max_words, "language": self.language, "prompts_dir": self.prompts_dir,
            "context_tokens": self.context_tokens, "thinking": self.thinking, "base_url": self.base_url,
            "api_key_env": self.api_key_env, "tokenizer": self.tokenizer,
            "max_concurrency": self.max_concurrency, "timeout": self.timeout, "retries": self.retries,
        }


class SummaryCache(Protocol):
    """Where summaries of unchanged stories are kept between runs (e.g. SQLite)."""

    def get(self, key: str) -> StorySummary | None: ...

    def put(self, key: str, summary: StorySummary) -> None: ...


def prepare_articles(articles: Sequence[Article]) -> tuple[list[Article], list[str]]:
    """Clean every article; articles left with no text are dropped with a note."""
    cleaned, notes = [], []
    for article in articles:
        result = clean_article(article)
        if result.text.strip():
            cleaned.append(result)
        else:
            notes.append(f"{article.origin or article.id}: no text left after removing boilerplate; skipped")
    return cleaned, notes


Grouping = Callable[[Sequence[Article]], list[list[Article]]]


class StoryMapper(Protocol):
    """Summarises a list of stories with an engine, one StorySummary per story in input order.

    ``build_briefing`` does it in this process (``summarize.fuse.summarize_stories``)
    unless given another, such as ``summarize.distributed.RayStoryMapper`` (a Ray cluster). ``earlier`` maps a story's id to what its reader saw.
    """

    def __call__(self, stories: Sequence[Story], engine: Summarizer, max_words: int, unsupported: str,
                 earlier: Mapping[str, EarlierCoverage], recap: bool) -> list[StorySummary]: ...


def build_stories(articles: Sequence[Article], group: Grouping | None = None) -> list[Story]:
    """Group cleaned articles into stories, most-covered and most recent first.

    Near-duplicates are found first and grouped with the article they copy;
    they stay sources of that story but are not summarised again. Within a
    story, the article kept for a duplicate precedes it. ``group`` splits the
    other articles into stories (``summarize.group.group_articles`` when None;
    the digest's story continuity attaches them to earlier digests' stories).
    """
    duplicates = find_near_duplicates(articles)
    originals = [a for a in articles if a.id not in duplicates]
    by_id = {a.id: a for a in articles}
    stories = []
    for group in (group or group_articles)(originals):
        members = list(group)
        member_ids = {a.id for a in members}
        story_duplicates = {}
        for duplicate_id, kept_id in duplicates.items():
            if _root(kept_id, duplicates) in member_ids:
                members.append(by_id[duplicate_id])
                story_duplicates[duplicate_id] = kept_id
        stories.append(Story(id=_story_id(members), articles=members, duplicates=story_duplicates))
    return rank_stories(stories)


def rank_stories(stories: Sequence[Story]) -> list[Story]:
    """Order stories by number of sources, then recency; ties keep input order."""
    def key(indexed):
        index, story = indexed
        latest = story.latest_date
        return (-len(story.articles), -(latest.toordinal() if latest else 0), index)

    return [story for _, story in sorted(enumerate(stories), key=key)]


def build_briefing(
    articles: Sequence[Article],
    options: BriefingOptions | None = None,
    engine: Summarizer | None = None,
    fallback_reason: str | None = None,
    summary_cache: SummaryCache | None = None,
    notes: Sequence[str] = (),
    now: dt.datetime | None = None,
    earlier: Callable[[Story], EarlierCoverage | None] | None = None,
    recap: bool = False,
    group: Grouping | None = None,
    map_stories: StoryMapper | None = None,
) -> Briefing:
    """Make the briefing for ``articles``.

    ``engine`` is built from ``options`` when not given (falling back to the
    extractive engine when ``options.engine`` is "auto" and the model cannot
    be loaded). ``fallback_reason`` records a fallback the caller already made.
    With a ``summary_cache``, stories whose articles and settings are
    unchanged reuse their stored summary.

    ``earlier`` is asked, for each story once grouped, what its reader
    already saw (a digest's earlier summaries of the same story, or None);
    such a story gets an update summary, and with ``recap`` a one-line
    recap of the last one (see ``summarize.fuse.summarize_stories``).
    ``group`` replaces the grouping step (see ``build_stories``).
    ``map_stories`` summarises the stories that need it (in this process when
    None; ``summarize.distributed.RayStoryMapper`` on a Ray cluster): the
    stages before it stay here, whichever it is.
    """
    options = options or BriefingOptions()
    map_stories = map_stories or _summarize_here
    if engine is None:
        engine, fallback_reason = load_engine_with_fallback(options.engine, options.model, **options.engine_options())
    cleaned, run_notes = prepare_articles(articles)
    stories = build_stories(cleaned, group)
    settings = {**engine.describe(), "max_words": options.max_words, "unsupported": options.unsupported}
    coverage = {story.id: seen for story in stories if earlier and (seen := earlier(story)) is not None}
    usage_before = _usage_snapshot(engine)
    try:
        summaries = _summaries_with_cache(stories, engine, options, settings, summary_cache, coverage, recap, map_stories)
    except EngineError as exc:
        if options.engine != "auto" or engine.name == "extractive":
            raise
        # auto: a model engine failing mid-run (a server gone away) still gives a briefing.
        fallback_reason = f"{engine.name} failed: {exc}"
        engine = load_engine("extractive")
        settings = {**engine.describe(), "max_words": options.max_words, "unsupported": options.unsupported}
        summaries = _summaries_with_cache(stories, engine, options, settings, summary_cache, coverage, recap, map_stories)
    if options.language and not engine.writes_language:
        run_notes.append(language_note(options.language, engine))
    engine_label = engine.name if not fallback_reason else f"{engine.name} (fallback: {fallback_reason})"
    return Briefing(
        generated_at=now or dt.datetime.now(dt.timezone.utc),
        engine=engine_label,
        model=engine.model,
        stories=summaries,
        notes=[*notes, *run_notes],
        settings=settings,
        fallback=fallback_reason,
        engine_usage=_usage_since(engine, usage_before),
    )


def language_note(language: str, engine: Summarizer) -> str:
    """The one line saying that ``engine`` cannot write in ``language``."""
    return (f"language {language!r} not applied: the {engine.name} engine cannot translate, so the briefing is "
            "in the sources' language (use --engine chat or openai)")


def story_cache_key(story: Story, settings: dict) -> str:
    """A key that changes when the story's articles or the summary settings change."""
    content = sorted(hashlib.sha256(f"{a.title}\n{a.text}".encode()).hexdigest() for a in story.articles)
    payload = json.dumps({"settings": settings, "articles": content}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _summarize_here(stories: Sequence[Story], engine: Summarizer, max_words: int, unsupported: str,
                    earlier: Mapping[str, EarlierCoverage], recap: bool) -> list[StorySummary]:
    """The in-process ``StoryMapper``."""
    return summarize_stories(stories, engine, max_words, unsupported, earlier=earlier, recap=recap)


def _summaries_with_cache(stories, engine, options, settings, cache, earlier, recap, map_stories) -> list[StorySummary]:
    if cache is None:
        return map_stories(stories, engine, options.max_words, options.unsupported, earlier, recap)
    # an update summary also depends on what the reader saw before
    keys = [
        story_cache_key(story, {**settings, "update": update_settings(earlier[story.id], recap)} if story.id in earlier else settings)
        for story in stories
    ]
    cached = [cache.get(key) for key in keys]
    missing = [story for story, hit in zip(stories, cached) if hit is None]
    fresh = iter(map_stories(missing, engine, options.max_words, options.unsupported, earlier, recap) if missing else [])
    result = []
    for story, key, hit in zip(stories, keys, cached):
        if hit is None:
            hit = next(fresh)
            cache.put(key, hit)
        else:
            hit.story_id = story.id
        result.append(hit)
    return result


def _usage_snapshot(engine: Summarizer) -> dict | None:
    usage = getattr(engine, "usage", None)  # model engines count generate calls and tokens
    return usage.as_dict() if usage is not None else None


def _usage_since(engine: Summarizer, before: dict | None) -> dict | None:
    """What ``engine`` did for this briefing: its usage counts minus those before (an engine may serve many)."""
    usage = getattr(engine, "usage", None)
    if usage is None:
        return None
    return usage.since(before or {})


def _root(article_id: str, duplicates: dict[str, str]) -> str:
    seen = set()
    while article_id in duplicates and article_id not in seen:
        seen.add(article_id)
        article_id = duplicates[article_id]
    return article_id


def _story_id(articles: Sequence[Article]) -> str:
    digest = hashlib.sha1("\n".join(sorted(a.id for a in articles)).encode()).hexdigest()
    return f"story-{digest[:10]}"
