"""Benchmark the alias matcher: build time and ms per article with 10,000 aliases.

    .venv/bin/python bench/link.py [--aliases 10000] [--articles 3000]

Texts are the ground-truth bodies of ../shared/corpora/article-extraction-benchmark when present (cycled
to reach --articles), else synthetic 5 KB articles. Aliases are the real registry (the database, when
DATABASE_URL reaches one, and the names in ../shared/data/facts.json when present) plus synthetic ones
made from capitalised words of the same texts, so many aliases start with words the articles contain:
the hard case for a matcher. Target: at most 1 ms per typical (5 KB) article.
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GROUND_TRUTH = SHARED / "corpora" / "article-extraction-benchmark" / "ground-truth.json"
FACTS = SHARED / "data" / "facts.json"
sys.path.insert(0, str(ROOT))

from ingest.link import AliasMatcher  # noqa: E402  (needs ROOT on the path; no Django needed)


def corpus_texts():
    if GROUND_TRUTH.exists():
        texts = [item["articleBody"] for item in json.loads(GROUND_TRUTH.read_text()).values()]
        return [t for t in texts if t.strip()], "article-extraction-benchmark ground truth"
    rng = random.Random(1)
    words = "the studio said its AI model would change film production and actors voted on a contract".split()
    texts = [" ".join(rng.choice(words) for _ in range(900)) for _ in range(200)]
    return texts, "synthetic"


def real_entries():
    """The registry's aliases from the database if reachable, plus the names in facts.json."""
    entries, source = [], []
    if os.environ.get("DATABASE_URL"):
        try:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            # Test settings (as bench/ingest.py uses): no secret key or allowed hosts needed to read the registry.
            os.environ.setdefault("DAILIES_TESTING", "1")
            import django

            django.setup()
            from ingest.link import registry_entries

            db_entries, _ = registry_entries()
            entries += db_entries
            source.append(f"{len(db_entries)} from the database")
        except Exception as exc:  # the benchmark still runs without a database
            source.append(
                f"database unavailable ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:80]})"
            )
    if FACTS.exists():
        facts = json.loads(FACTS.read_text())
        names = {(n, "organisation") for f in facts for n in f["organisations"]}
        names |= {(n, "person") for f in facts for n in f["people"]}
        entries += [(name, kind, 100_000 + i) for i, (name, kind) in enumerate(sorted(names))]
        source.append(f"{len(names)} from facts.json")
    return entries, ", ".join(source) or "none"


def synthetic_entries(texts, count, rng):
    """`count` aliases of 1-3 capitalised words taken from the texts (plus made-up words for variety)."""
    capitalised = sorted({w for t in texts for w in re.findall(r"\b[A-Z][a-z]{2,}\b", t)})
    entries, seen = [], set()
    while len(entries) < count:
        if rng.random() < 0.5 and capitalised:
            words = rng.sample(capitalised, rng.choice((1, 2, 2, 3)))
        else:
            words = [
                "".join(
                    rng.choices("bcdfghklmnprstvz", k=1)
                    + rng.choices("aeiou", k=1)
                    + rng.choices("bcdfghklmnprstvzaeiou", k=rng.randint(3, 7))
                ).title()
                for _ in range(rng.choice((1, 2, 3)))
            ]
        alias = " ".join(words) + rng.choice(("", "", " Studios", " Inc.", " Pictures"))
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            entries.append((alias, rng.choice(("organisation", "person")), len(entries)))
    return entries


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aliases", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=3_000)
    args = parser.parse_args()

    rng = random.Random(42)
    texts, text_source = corpus_texts()
    real, real_source = real_entries()
    entries = synthetic_entries(texts, args.aliases, rng) + real

    started = time.perf_counter()
    matcher = AliasMatcher.build(entries)
    build_ms = (time.perf_counter() - started) * 1000

    articles = [texts[i % len(texts)] for i in range(args.articles)]
    per_article, per_5kb, mentions = [], [], 0
    cpu_started = time.process_time()
    for text in articles:
        started = time.perf_counter()
        found = matcher.find(text)
        elapsed = (time.perf_counter() - started) * 1000
        per_article.append(elapsed)
        per_5kb.append(elapsed * 5000 / max(len(text), 1))
        mentions += sum(found.values())
    cpu_ms = (time.process_time() - cpu_started) * 1000

    sizes = [len(t) for t in articles]
    print(
        f"texts: {len(texts)} distinct ({text_source}), {len(articles)} timed, "
        f"median {statistics.median(sizes):.0f} chars, mean {statistics.mean(sizes):.0f}"
    )
    print(
        f"aliases: {matcher.alias_count} indexed of {len(entries)} given "
        f"({args.aliases} synthetic; real: {real_source})"
    )
    print(f"build: {build_ms:.1f} ms")
    print(
        f"find per article: p50 {percentile(per_article, 50):.3f} ms, "
        f"p95 {percentile(per_article, 95):.3f} ms, "
        f"max {max(per_article):.3f} ms, mean {statistics.mean(per_article):.3f} ms"
    )
    print(
        f"find per 5 KB of text: p50 {percentile(per_5kb, 50):.3f} ms, p95 {percentile(per_5kb, 95):.3f} ms "
        f"(target: at most 1 ms)"
    )
    print(
        f"process CPU time: {cpu_ms / len(articles):.3f} ms per article, "
        f"{cpu_ms / (sum(len(t) for t in articles) / 5000):.3f} ms per 5 KB "
        "(wall times suffer on a shared machine)"
    )
    print(f"mentions found: {mentions} ({mentions / len(articles):.1f} per article)")


if __name__ == "__main__":
    main()
