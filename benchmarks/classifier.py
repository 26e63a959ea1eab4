"""Benchmark: the department classifier's speed, size and memory, and how fast corrections pay off.

``python -m benchmarks.classifier`` trains the shipped model on the full training set, then
measures single-message latency, batch throughput, model size and process memory, and a learning
curve: k corrections per department (drawn from the mapped public training rows the shipped model
did not use) added to the bundled data, macro-F1 on the public evaluation rows, which no training
run sees. See README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.config import DEFAULT_DEPARTMENTS
from classifiers.evaluation import evaluate
from classifiers.model import OUT_OF_SCOPE, Example, read_split
from classifiers.public import _digest, read_public
from classifiers.training import CHOSEN_PUBLIC, public_examples, save, training_set

KEYS = tuple(d.key for d in DEFAULT_DEPARTMENTS)
THRESHOLD = 0.3


def latency(predict: Callable[[str], object], texts: Sequence[str], rounds: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds of ``predict(text)`` one message at a time."""
    timings = []
    for n in range(rounds):
        text = texts[n % len(texts)]
        started = time.perf_counter()
        predict(text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def learning_curve(ks: Sequence[int]) -> list[dict[str, object]]:
    used = (
        {e.text for e, _ in public_examples(read_public("train"), CHOSEN_PUBLIC)} if CHOSEN_PUBLIC else set()
    )
    pool: dict[str, list[Example]] = {}
    for example, _source in read_public("train"):
        if example.label != OUT_OF_SCOPE and example.text not in used:
            pool.setdefault(example.label, []).append(example)
    for label in pool:
        pool[label].sort(key=lambda e: _digest("curve:" + e.text))
    test = [e for e, _ in read_public("eval")]
    rows = []
    for k in ks:
        corrections = [e for label in sorted(pool) for e in pool[label][:k]]
        model = training_set(KEYS, corrections).train()
        figures = evaluate(model, test, THRESHOLD).figures
        rows.append(
            {
                "k": k,
                "corrections": len(corrections),
                "per_department": {label: min(k, len(pool[label])) for label in sorted(pool)},
                "macro_f1": round(figures["macro_f1"], 3),
                "accuracy": round(figures["accuracy"], 3),
                "coverage": round(figures["coverage"], 3),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classifier", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3000, help="single-message predictions timed")
    parser.add_argument("--batch", type=int, default=20000, help="messages in the throughput run")
    parser.add_argument("--ks", default="0,10,30,100", help="corrections per department, comma-separated")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    chosen = training_set(KEYS)
    started = time.perf_counter()
    model = chosen.train()
    training_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "departments.skops"
        save(model, path, created_at=datetime.now(UTC), data_hash=chosen.digest())
        size_mb = path.stat().st_size / 1e6

    texts = [e.text for e in read_split("train")] + [e.text for e, _ in read_public("train")]
    for text in texts[:50]:
        model.predict(text)  # warm up
    p50, p99 = latency(model.predict, texts, args.rounds)
    batch = [texts[n % len(texts)] for n in range(args.batch)]
    started = time.perf_counter()
    for start in range(0, len(batch), 1000):
        model.predict_many(batch[start : start + 1000])
    throughput = len(batch) / (time.perf_counter() - started)
    memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    curve = learning_curve([int(k) for k in args.ks.split(",")])

    results = {
        "training_examples": len(chosen.examples),
        "training_seconds": round(training_seconds, 2),
        "latency_ms_p50": round(p50, 3),
        "latency_ms_p99": round(p99, 3),
        "batch_messages_per_second": round(throughput),
        "model_mb": round(size_mb, 1),
        "process_peak_rss_mb": round(memory_mb),
        "learning_curve": curve,
    }
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(f"training: {results['training_examples']} examples in {results['training_seconds']} s")
    print(f"single message: p50 {results['latency_ms_p50']} ms, p99 {results['latency_ms_p99']} ms")
    print(f"batch: {results['batch_messages_per_second']} messages/s")
    print(f"model file: {results['model_mb']} MB; process peak RSS: {results['process_peak_rss_mb']} MB")
    print("learning curve (public English eval rows, macro-F1 over departments):")
    for row in curve:
        print(f"  k={row['k']:>3}: {row['corrections']:>4} corrections, macro-F1 {row['macro_f1']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
