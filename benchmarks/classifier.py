"""Benchmark: the department classifier's speed, size and memory, and how fast corrections pay off.

``python -m benchmarks.classifier`` trains the shipped model on the full training set, then
measures single-message latency, batch throughput, model size, load time and memory, and a learning
curve: k = 25, 50, 100, 200 labelled messages of a new shop added to the bundled data (weight 3),
macro-F1 and accuracy on the rest of that shop's messages. See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import DEFAULT_DEPARTMENTS
from classifiers.evaluation import evaluate
from classifiers.model import DepartmentClassifier, Example, read_split
from classifiers.public import _digest, read_public
from classifiers.training import TrainingSet, load, save, training_set

KEYS = tuple(d.key for d in DEFAULT_DEPARTMENTS)


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


def _draw(rows: Sequence[Example], k: int, salt: str) -> tuple[list[Example], list[Example]]:
    """k rows spread over the labels (round robin, each label's rows in hash order), and the rest."""
    by_label: dict[str, list[Example]] = {}
    for example in sorted(rows, key=lambda e: _digest(salt + e.text)):
        by_label.setdefault(example.label, []).append(example)
    chosen: list[Example] = []
    depth = 0
    while len(chosen) < k and any(depth < len(v) for v in by_label.values()):
        for label in sorted(by_label):
            if depth < len(by_label[label]) and len(chosen) < k:
                chosen.append(by_label[label][depth])
        depth += 1
    taken = {id(e) for e in chosen}
    return chosen, [e for e in rows if id(e) not in taken]


def learning_curve(
    ks: Sequence[int], bundled: DepartmentClassifier, *, public: bool = True
) -> list[dict[str, object]]:
    """A new shop's own labelled messages added to the bundled data (weight 3), scored on the rest.

    Two shops: the ``field`` set, one language at a time (reviews and chat messages of Japanese,
    Korean and English shops; the bundled model never trains on it, this benchmark does, k rows
    at a time, and scores the rest), and the mapped public English evaluation rows (generated
    requests and banking questions: a shop whose style is far from ours).
    """
    shops = {
        f"field {lang}": [e for e in read_split("field") if e.language == lang] for lang in ("ja", "ko", "en")
    }
    if public:
        shops["public en"] = [e for e, _ in read_public("eval")]
    rows = []
    for shop, examples in shops.items():
        for k in (0, *ks):
            own, rest = _draw(examples, k, "curve:")
            model = training_set(KEYS, own).train() if own else bundled
            figures = evaluate(model, rest, model.thresholds).figures
            rows.append({"shop": shop, "k": k, "scored": len(rest), **_rounded(figures)})
    return rows


FIGURES = ("macro_f1", "accuracy", "coverage", "routed_precision")
"""What the benchmark reports of an evaluation."""


def _rounded(figures: dict[str, Any]) -> dict[str, float]:
    return {name: round(figures[name], 3) for name in FIGURES}


def held_apart(model: DepartmentClassifier) -> dict[str, dict[str, dict[str, float]]]:
    """The shipped model on the splits it never trains on, per language."""
    found = {}
    for split in ("field", "eval"):
        figures = evaluate(model, read_split(split), model.thresholds).figures
        found[split] = {language: _rounded(value) for language, value in figures["languages"].items()}
    return found


def loaded_memory(path: Path) -> float:
    """Resident MB of a fresh process that only loads the stored model and classifies (a web worker's
    share of the classifier), measured in a child so this process's training does not count."""
    code = (
        "import sys;import bot.runtime.web,bot.platforms.slack.events,bot.platforms.line.webhook;"
        "from classifiers.training import load;m=load(sys.argv[1]);"
        "[m.predict(t) for t in ('配送が遅い','배송이 늦어요','late')];"
        "print(int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]),"
        "'sklearn' in sys.modules)"
    )
    command = [sys.executable, "-c", code, str(path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own code
    rss, sklearn_loaded = out.stdout.split()
    assert sklearn_loaded == "False", "a process that only uses a model imported scikit-learn"
    return int(rss) / 1024


def timed_training(chosen: TrainingSet) -> tuple[DepartmentClassifier, dict[str, Any]]:
    started, cpu = time.perf_counter(), time.process_time()
    model = chosen.train()
    return model, {
        "training_examples": len(chosen.examples),
        "training_seconds": round(time.perf_counter() - started, 2),
        "training_cpu_seconds": round(time.process_time() - cpu, 2),
    }


def stored_model(model: DepartmentClassifier, chosen: TrainingSet) -> dict[str, Any]:
    """The saved model's size, its load time, and a process that loads it and classifies."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "departments.skops"
        save(model, path, created_at=datetime.now(UTC), data_hash=chosen.digest())
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        load(path)
        load_seconds = time.perf_counter() - started
        loaded_mb = loaded_memory(path)
    return {
        "model_mb": round(size_mb, 1),
        "model_load_seconds": round(load_seconds, 2),
        "loaded_model_process_rss_mb": round(loaded_mb),
    }


def speed(model: DepartmentClassifier, rounds: int, batch_size: int) -> dict[str, Any]:
    """Single-message latency, batch throughput, and the CPU time of both."""
    texts = [e.text for e in read_split("train")] + [e.text for e, _ in read_public("train")]
    for text in texts[:50]:
        model.predict(text)  # warm up
    p50, p99 = latency(model.predict, texts, rounds)
    batch = [texts[n % len(texts)] for n in range(batch_size)]
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(batch), 1000):
        model.predict_many(batch[start : start + 1000])
    throughput = len(batch) / (time.perf_counter() - started)
    # CPU time too: on a shared machine the wall clock measures the neighbours as well.
    throughput_cpu = len(batch) / (time.process_time() - cpu)
    cpu = time.process_time()
    for text in texts[:rounds]:
        model.predict(text)
    single_cpu_ms = (time.process_time() - cpu) / min(rounds, len(texts)) * 1000
    return {
        "latency_ms_p50": round(p50, 3),
        "latency_ms_p99": round(p99, 3),
        "batch_messages_per_second": round(throughput),
        "batch_messages_per_cpu_second": round(throughput_cpu),
        "single_message_cpu_ms_mean": round(single_cpu_ms, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = training_set(KEYS)
    model, training = timed_training(chosen)
    stored = stored_model(model, chosen)
    timings = speed(model, args.rounds, args.batch)
    memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    apart = held_apart(model)
    ks = [int(k) for k in args.ks.split(",")] if args.ks else []
    curve = learning_curve(ks, model, public=not args.no_public) if ks else []
    results = {
        **training,
        **timings,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        **stored,
        "process_peak_rss_mb": round(memory_mb),
        "held_apart": apart,
        "learning_curve": curve,
    }
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print_results(results)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classifier", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3000, help="single-message predictions timed")
    parser.add_argument("--batch", type=int, default=20000, help="messages in the throughput run")
    parser.add_argument("--ks", default="25,50,100,200", help="a new shop's labelled rows, comma-separated")
    parser.add_argument("--no-public", action="store_true", help="leave the public shop out of the curve")
    parser.add_argument("--json", action="store_true")
    return parser


def print_results(results: dict[str, Any]) -> None:
    print(f"training: {results['training_examples']} examples in {results['training_seconds']} s")
    print(f"single message: p50 {results['latency_ms_p50']} ms, p99 {results['latency_ms_p99']} ms")
    print(
        f"batch: {results['batch_messages_per_second']} messages/s "
        f"({results['batch_messages_per_cpu_second']} per CPU second); "
        f"single message CPU {results['single_message_cpu_ms_mean']} ms; load {results['load_average']}"
    )
    print(f"model file: {results['model_mb']} MB, loaded in {results['model_load_seconds']} s")
    print(f"a process that loads it and classifies: {results['loaded_model_process_rss_mb']} MB resident")
    print(f"this process (training): peak RSS {results['process_peak_rss_mb']} MB")
    for split, languages in results["held_apart"].items():
        for language, value in languages.items():
            print(f"{split} {language}: " + ", ".join(f"{name} {number}" for name, number in value.items()))
    print("learning curve (a new shop's rows added, weight 3; scored on the rest of that shop):")
    for row in results["learning_curve"]:
        print(
            f"  {row['shop']:<10} k={row['k']:>3}: macro-F1 {row['macro_f1']:.3f}, "
            f"accuracy {row['accuracy']:.3f}, coverage {row['coverage']:.3f}, "
            f"routed precision {row['routed_precision']:.3f} ({row['scored']} scored)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
