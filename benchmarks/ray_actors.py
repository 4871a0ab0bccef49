"""Does Ray speed up the abstractive summarise stage on this machine? One process against 1 and 2 actors.

The summarise stage of a briefing (``summarize.fuse.summarize_stories``:
chunk, generate, fuse, guard) on the same stories three ways, interleaved
round by round so that a busy spell on the shared machine falls on all of
them alike:

* ``here``: in this process, one torch thread (the model loaded once, its
  load time counted as a briefing pays it);
* ``ray-1``: ``summarize.distributed.RayStoryMapper`` with 1 actor (1 thread);
* ``ray-2``: the same with 2 actors, each loading its own model.

The Ray sides' wall time includes starting the actors and loading the model
in each, as a briefing run with ``--ray`` pays it; Ray itself is started
once, before the rounds (``ray.init(num_cpus=2)``). The outputs of the three
must be identical, and are checked.

The model is a randomly initialised checkpoint of a real shape (speed
depends on the shape, not the weights), built once into a cache folder;
generation is forced to a fixed length so every side does the same work.
Stories: the first DUC 2003 clusters of ``../shared/bench/mds_dev.jsonl``,
each one story of its first articles.

    python benchmarks/ray_actors.py                        # bart-base shape, 4 stories, 2 rounds
    python benchmarks/ray_actors.py --stories 2 --rounds 1 --new-tokens 16
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MDS_DATA = REPO.parent / "shared" / "bench" / "mds_dev.jsonl"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "briefing-bench" / "ray-actors"


def random_checkpoint(shape: str) -> Path:
    """A random BART of ``shape``'s size (its tokenizer: the tiny test tokenizer, 50k-vocabulary shape kept)."""
    folder = CACHE / shape
    if (folder / "config.json").exists():
        return folder
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    sys.path.insert(0, str(REPO / "tests"))
    from tiny_model import build_tiny_model

    build_tiny_model(folder, "bart", max_positions=1024)  # tokenizer and generation config
    layers, width, heads, ffn = {"bart-base": (6, 768, 12, 3072), "small": (3, 512, 8, 2048)}[shape]
    config = BartConfig.from_pretrained(folder)
    config.update({"d_model": width, "encoder_layers": layers, "decoder_layers": layers,
                   "encoder_attention_heads": heads, "decoder_attention_heads": heads,
                   "encoder_ffn_dim": ffn, "decoder_ffn_dim": ffn, "vocab_size": 50265,
                   "max_position_embeddings": 1024})
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig.from_pretrained(folder)
    model.save_pretrained(folder)
    return folder


def duc_stories(count: int, articles: int):
    from summarize.models import Article, Story

    stories = []
    for line in MDS_DATA.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"].startswith("duc2003") and len(stories) < count:
            docs = record["documents"][:articles]
            stories.append(Story(id=record["id"], articles=[Article(id=f"{record['id']}-{i}", text=d) for i, d in enumerate(docs)]))
    return stories


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=("bart-base", "small"), default="bart-base")
    parser.add_argument("--stories", type=int, default=4)
    parser.add_argument("--articles", type=int, default=3, help="articles per story")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--beams", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import ray
    import torch

    torch.set_num_threads(1)
    from summarize.distributed import RayOptions, RayStoryMapper
    from summarize.engines import load_engine
    from summarize.fuse import summarize_stories

    model = str(random_checkpoint(args.shape))
    stories = duc_stories(args.stories, args.articles)
    generation = {"num_beams": args.beams, "max_new_tokens": args.new_tokens, "min_new_tokens": args.new_tokens}
    engine_options = {"threads": 1, "generation": generation, "batch_size": 4}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)

    def here():
        engine = load_engine("abstractive", model, **engine_options)
        return summarize_stories(stories, engine, 120)

    def on_ray(actors):
        def run():
            mapper = RayStoryMapper(RayOptions("auto", actors=actors, batch_size=1), model, engine_options)
            return mapper(stories, types.SimpleNamespace(name="abstractive"), 120, "remove", {}, False)
        return run

    sides = {"here": here, "ray-1": on_ray(1), "ray-2": on_ray(2)}
    walls: dict[str, list[float]] = {name: [] for name in sides}
    outputs: dict[str, list] = {}
    load = os.getloadavg()[0]
    for round_ in range(args.rounds):
        order = list(sides)[round_ % 3:] + list(sides)[:round_ % 3]
        for name in order:
            t0 = time.perf_counter()
            outputs[name] = sides[name]()
            walls[name].append(time.perf_counter() - t0)
            print(f"round {round_ + 1} {name}: {walls[name][-1]:.1f} s (load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
    same = all(outputs[name] == outputs["here"] for name in sides)
    base = statistics.median(walls["here"])
    print(f"\n{args.shape} shape, {len(stories)} stories of {args.articles} articles, beams {args.beams}, "
          f"{args.new_tokens} new tokens, {args.rounds} rounds; load average {load:.1f} at start; identical outputs: {same}\n")
    print("| side | median wall s | all runs s | speed-up over one process |")
    print("|---|---|---|---|")
    for name in sides:
        median = statistics.median(walls[name])
        print(f"| {name} | {median:.1f} | {', '.join(f'{w:.1f}' for w in walls[name])} | {base / median:.2f}x |")
    ray.shutdown()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
