"""The summarise stage on Ray Data, for users who outgrow one machine.

Reading, cleaning, near-duplicate detection, grouping and ranking stay on the
driver (the process that runs ``briefing``): they need every article at once
and take minutes at most for tens of thousands of articles (docs/ray.md). What
takes the time, summarising each story with a model, is independent per
story, so the stories become a ``ray.data`` Dataset and a pool of actors,
each holding one engine loaded once from plain engine options, summarises
them with ``summarize.fuse.summarize_stories``: the same code, settings and
fusion as a single-process run, so the StorySummary of each story is the
same. Results come back in input order.

Ray is imported only here and only when ``--ray`` is given, so nothing else
pays for it; without it installed, ``--ray`` fails with one line naming the
extra to install (``pip install -e '.[ray]'``).

The pieces:

- ``connect(address)`` joins a cluster (``auto``: the one ``RAY_ADDRESS`` or
  ``ray start`` on this machine names; ``local``: a new one on this machine;
  else ``host:port`` or ``ray://host:10001``);
- ``map_ordered(payloads, worker, ...)``: the generic part: picklable items
  through an actor class under ``map_batches(compute=ActorPoolStrategy)``,
  results yielded in input order as they arrive;
- ``RayStoryMapper``: what ``build_briefing(map_stories=...)`` takes to
  summarise its stories on Ray instead of in this process.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from summarize.engines.base import Summarizer
from summarize.models import EarlierCoverage, Story, StorySummary

INSTALL_HINT = "pip install -e '.[ray]'"
DEFAULT_STORIES_PER_CALL = 4
LOCAL = "local"
AUTO = "auto"
CONNECT_TIMEOUT_S = 5.0  # Ray itself retries an unreachable head for minutes


class DistributedError(RuntimeError):
    """Ray is missing, the cluster cannot be reached, or a worker failed; the message is one line."""


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide the summarise stage runs on Ray.

    ``address``: ``auto`` (the running cluster: ``RAY_ADDRESS``, else the one
    ``ray start`` started on this machine), ``local`` (start Ray on this
    machine for this run), or a cluster address (``10.0.0.5:6379``,
    ``ray://head:10001``). ``actors``: engines loaded at once (None: one per
    GPU of the cluster, else one per CPU, never more than there are items).
    ``batch_size``: items (stories, benchmark examples) per actor call; a
    call summarises its stories together, so chunks of several stories share
    ``generate`` batches.
    """

    address: str = AUTO
    actors: int | None = None
    batch_size: int = DEFAULT_STORIES_PER_CALL


def import_ray():
    """The ``ray`` module with Ray Data, or DistributedError naming the extra to install."""
    try:
        import ray
        import ray.data  # noqa: F401 - the ``data`` extra: pyarrow, pandas
    except ImportError as exc:
        missing = "ray" if getattr(exc, "name", None) in (None, "ray") else f"ray[data] ({exc.name} missing)"
        raise DistributedError(f"--ray needs {missing}: install it with {INSTALL_HINT}") from None
    return ray


def connect(address: str = AUTO):
    """Join (or, for ``local``, start) the Ray cluster at ``address``; returns the ``ray`` module.

    A Ray already initialised in this process (a test's, a notebook's) is used
    as it is. Raises DistributedError with one line when Ray is not installed
    or no cluster answers at ``address``.
    """
    ray = import_ray()
    _check_reachable(os.environ.get("RAY_ADDRESS", "") if address == AUTO else address, address)
    if ray.is_initialized():
        return ray
    _quiet_ray_logs()
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "logging_level": logging.WARNING, "configure_logging": True}
    if address != LOCAL:
        kwargs["address"] = address
    try:
        ray.init(**kwargs)
    except ConnectionError as exc:
        where = "RAY_ADDRESS or a cluster started with `ray start --head`" if address == AUTO else address
        raise DistributedError(f"--ray {address}: no Ray cluster reachable at {where} "
                               f"({_first_line(exc)}); use --ray local to run on this machine") from None
    except (RuntimeError, ValueError, OSError) as exc:
        raise DistributedError(f"--ray {address}: cannot connect to Ray: {_first_line(exc)}") from None
    return ray


def map_ordered(
    payloads: Sequence[Any],
    worker: type,
    constructor_kwargs: Mapping[str, Any],
    options: RayOptions,
) -> Iterator[Any]:
    """``worker(**constructor_kwargs)`` applied to ``payloads`` on Ray, yielding results in input order.

    ``worker`` is a ``BatchWorker`` subclass: built once per actor (load the
    model there), then called on batches of the pickled items. Results are
    yielded as soon as every earlier one has arrived, so a caller can write
    them out as they come. An exception a worker raised is raised here as it
    was (an EngineError stays one); DistributedError when Ray itself failed.
    """
    if not payloads:
        return
    ray = connect(options.address)
    _quiet_ray_logs()
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    actors = options.actors or max(1, gpus or int(resources.get("CPU", 1)))
    actors = max(1, min(actors, len(payloads)))
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.preserve_order = True
    rows = [{"index": i, "payload": pickle.dumps(item)} for i, item in enumerate(payloads)]
    dataset = ray.data.from_items(rows, override_num_blocks=min(len(rows), actors * 4))
    results = dataset.map_batches(
        worker,
        compute=ray.data.ActorPoolStrategy(size=actors),
        batch_size=max(1, options.batch_size),
        batch_format="numpy",
        num_gpus=1 if gpus else 0,
        num_cpus=1,
        fn_constructor_kwargs=dict(constructor_kwargs),
    )
    # preserve_order makes the results arrive in order; the buffer makes sure of it.
    waiting: dict[int, tuple[bool, Any]] = {}
    next_index = 0
    arriving = iter(results.iter_rows())
    while True:
        try:
            row = next(arriving)
        except StopIteration:
            break
        except Exception as exc:  # noqa: BLE001 - Ray's own failures (a node lost); workers' come as answers
            raise DistributedError(f"Ray failed: {type(exc).__name__}: {_first_line(exc)}") from None
        waiting[int(row["index"])] = pickle.loads(row["payload"])
        while next_index in waiting:
            ok, value = waiting.pop(next_index)
            if not ok:
                raise value
            yield value
            next_index += 1


class BatchWorker:
    """Base of the actor classes ``map_ordered`` runs: ``setup`` once per actor, ``work`` per batch.

    ``setup(**constructor_kwargs)`` builds what the actor keeps (load the
    model there); ``work(items)`` returns one result per item, in order. An
    exception from either travels back to the driver whole and is raised
    there by ``map_ordered``: Ray itself hands back an actor's constructor
    error only as text, and Ray Data wraps a call's error in its own
    (the original is lost on the way), so the driver could not tell an
    EngineError (one line for the user, the ``auto`` fallback) from a crash.
    """

    def __init__(self, **settings: Any):
        self._failure: Exception | None = None
        try:
            self.setup(**settings)
        except Exception as exc:  # noqa: BLE001 - raised on the driver, see the class docstring
            self._failure = exc

    def setup(self, **settings: Any) -> None:
        """Build what the actor keeps."""

    def work(self, items: list[Any]) -> list[Any]:
        """One result per item, in order."""
        raise NotImplementedError

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        items = [pickle.loads(payload) for payload in batch["payload"]]
        try:
            if self._failure is not None:
                raise self._failure
            answers = [(True, result) for result in self.work(items)]
        except Exception as exc:  # noqa: BLE001 - raised on the driver, see the class docstring
            answers = [(False, _portable(exc))] * len(items)
        pickled = [pickle.dumps(answer) for answer in answers]
        payload = np.empty(len(pickled), dtype=object)  # one bytes object per row, whatever their lengths
        payload[:] = pickled
        return {"index": np.asarray(batch["index"], dtype=np.int64), "payload": payload}


class StoryWorker(BatchWorker):
    """A Ray actor holding one engine: summarises batches of ``(story, earlier coverage)``.

    Built from plain settings (the engine's registry name, model, options:
    what ``BriefingOptions.engine_options`` gives) so that nothing but
    strings and numbers travels to build it; the engine loads once per actor.
    """

    def setup(self, engine: str, model: str | None, engine_options: dict, max_words: int,
              unsupported: str, recap: bool) -> None:
        from summarize.engines import load_engine

        self.engine = load_engine(engine, model, **engine_options)
        self.max_words, self.unsupported, self.recap = max_words, unsupported, recap

    def work(self, items: list[tuple[Story, EarlierCoverage | None]]) -> list[tuple[StorySummary, dict | None]]:
        """Each story's summary; the first also carries the engine's usage counts for the batch (or None)."""
        from summarize.fuse import summarize_stories

        stories = [story for story, _ in items]
        earlier = {story.id: seen for story, seen in items if seen is not None}
        usage = getattr(self.engine, "usage", None)  # model engines count generate calls and tokens
        before = usage.as_dict() if usage is not None else None
        summaries = summarize_stories(stories, self.engine, self.max_words, self.unsupported,
                                      earlier=earlier, recap=self.recap)
        counts = usage.since(before or {}) if usage is not None else None
        return [(summary, counts if i == 0 else None) for i, summary in enumerate(summaries)]


@dataclass(frozen=True)
class RayStoryMapper:
    """Summarises stories on Ray: ``build_briefing(..., map_stories=RayStoryMapper(RayOptions("auto"), model, engine_options))``.

    A ``summarize.pipeline.StoryMapper``; ``engine`` (the driver's) names the
    engine the actors load (after any fallback), ``engine_options`` and
    ``model`` are the ones it was built with. The actors' usage counts
    (generate calls, tokens) are added to the driver engine's ``usage``.
    """

    ray: RayOptions
    model: str | None
    engine_options: dict

    def __call__(self, stories: Sequence[Story], engine: Summarizer, max_words: int, unsupported: str,
                 earlier: Mapping[str, EarlierCoverage], recap: bool) -> list[StorySummary]:
        payloads = [(story, earlier.get(story.id)) for story in stories]
        settings = {"engine": engine.name, "model": self.model, "engine_options": self.engine_options,
                    "max_words": max_words, "unsupported": unsupported, "recap": recap}
        summaries = []
        for summary, counts in map_ordered(payloads, StoryWorker, settings, self.ray):
            summaries.append(summary)
            _add_usage(engine, counts)
        return summaries


def _add_usage(engine: Summarizer, counts: dict | None) -> None:
    """Add the actors' usage counts to the driver's engine, so a briefing reports the work done for it.

    Generate calls and padded tokens depend on which chunks shared a batch,
    so they differ from a single-process run's; tokens fed and generated do not.
    """
    usage = getattr(engine, "usage", None)
    if usage is None or not counts:
        return
    for name, value in counts.items():
        setattr(usage, name, getattr(usage, name, 0) + value)


def _check_reachable(target: str, option: str) -> None:
    """Raise DistributedError at once when nothing listens at ``target`` (``host:port``, ``ray://host:port``).

    Other forms (``auto`` without RAY_ADDRESS, ``local``) are left to Ray.
    """
    host, sep, port = target.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit() or not host:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise DistributedError(f"--ray {option}: cannot reach a Ray cluster at {host}:{port} ({reason}); "
                               "start one there with `ray start --head`, or use --ray local") from None


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling, else a RuntimeError carrying its type and first line."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any exception that cannot make the trip
        return RuntimeError(f"{type(exc).__name__}: {_first_line(exc)}")


def _quiet_ray_logs() -> None:
    """Ray's start-up lines and Ray Data's per-dataset lines would mix into a briefing's stderr.

    Errors still show; the C++ core's log level is read when Ray starts, so
    it applies to a Ray this process starts or joins (``RAY_BACKEND_LOG_LEVEL`` overrides).
    """
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    logging.getLogger("ray").setLevel(logging.WARNING)
    logging.getLogger("ray.data").setLevel(logging.ERROR)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
