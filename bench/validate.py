"""Validation time per edit: one set-parameter edit, then the full ``analyze`` (core layer).

This is the work the canvas does on every gesture (edit → validator → red block), so it
must stay well under 10 ms per edit. Two graphs, with feature facts so that shape
inference and the data checks run too:

- a chain of 1,000 blocks (input → 997 dense → dropout → target);
- a 200-block graph with branches and merges: 39 residual motifs of
  ``dense, dense → concatenate → dense → add(skip)``.

Prints the median (with the minimum and 90th percentile) per edit over the samples,
the sample count, and the median as a share of the 10 ms budget; the edit alone
(without ``analyze``) is measured in the same run as a baseline.

    python bench/validate.py [--samples 101]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from lossstudio.core.facts import FeatureFacts
from lossstudio.core.project_model import ProjectModel
from lossstudio.core.validator import Analysis, analyze

BUDGET_MS = 10.0


def facts(width: int) -> dict[str, FeatureFacts]:
    return {
        "x": FeatureFacts("x", (width,), -1.0, 1.0, integer_valued=False),
        "y": FeatureFacts("y", (1,), -5.0, 5.0, integer_valued=False),
    }


def chain(blocks: int = 1000) -> tuple[ProjectModel, str]:
    """input → (blocks − 3) dense → dropout → target; returns the model and a middle dense."""
    model = ProjectModel()
    model.facts = facts(16)
    ids = [model.add("input", feature="x")]
    for index in range(blocks - 3):
        last = index == blocks - 4
        ids.append(model.add("dense", units=1 if last else 16, activation="linear"))
    ids.append(model.add("dropout", rate=0.1))
    ids.append(model.add("target", feature="y", loss="mean_squared_error"))
    for source, target in zip(ids, ids[1:], strict=False):
        model.connect(source, target)
    assert len(model.graph.nodes) == blocks
    return model, ids[len(ids) // 2]


def branched(motifs: int = 39) -> tuple[ProjectModel, str]:
    """input → dense → motifs × (two denses → concatenate → dense → add with a skip) → head."""
    model = ProjectModel()
    model.facts = facts(8)
    x = model.add("input", feature="x")
    current = model.add("dense", units=8, activation="relu")
    model.connect(x, current)
    edited = ""
    for index in range(motifs):
        a = model.add("dense", units=8, activation="relu")
        b = model.add("dense", units=8, activation="tanh")
        cat = model.add("concatenate")
        mixed = model.add("dense", units=8, activation="linear")
        total = model.add("add")
        model.connect(current, a)
        model.connect(current, b)
        model.connect(a, cat)
        model.connect(b, cat)
        model.connect(cat, mixed)
        model.connect(mixed, total)
        model.connect(current, total)
        current = total
        if index == motifs // 2:
            edited = a
    drop = model.add("dropout", rate=0.1)
    head = model.add("dense", units=1, activation="linear")
    target = model.add("target", feature="y", loss="mean_squared_error")
    model.connect(current, drop)
    model.connect(drop, head)
    model.connect(head, target)
    assert len(model.graph.nodes) == 200, len(model.graph.nodes)
    return model, edited


def measure(step: Callable[[int], object], samples: int) -> list[float]:
    """Milliseconds of ``step(i)`` for ``samples`` runs, after a few warm-up runs."""
    for index in range(5):
        step(index)
    times = []
    for index in range(samples):
        start = time.perf_counter()
        step(index)
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def bench(name: str, model: ProjectModel, node: str, samples: int) -> float:
    base = int(model.graph.nodes[node].params["units"])
    problems: set[str] = set()

    def edit_only(index: int) -> None:
        model.set(node, units=base + (index % 2 == 0))

    def edit_and_analyze(index: int) -> None:
        model.set(node, units=base + (index % 2 == 0))
        analysis: Analysis = analyze(model.graph, model.facts)
        problems.update(problem.code for problem in analysis.problems)

    baseline = statistics.median(measure(edit_only, samples))
    times = measure(edit_and_analyze, samples)
    assert not problems, problems  # the benchmark graphs are valid after every edit
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    print(
        f"{name:<32} {median:6.3f} ms/edit median, {min(times):6.3f} min, {p90:6.3f} p90  "
        f"(n={len(times)} samples; edit alone {baseline:.3f} ms; "
        f"{median / BUDGET_MS:.0%} of the {BUDGET_MS:g} ms budget)"
    )
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=101, help="samples per graph (≥ 30)")
    args = parser.parse_args(argv)
    samples = max(30, args.samples)
    print(f"Python {sys.version.split()[0]}; set-parameter edit + analyze, {samples} samples")
    worst = max(
        bench("chain of 1,000 blocks", *chain(), samples),
        bench("200 blocks, branches and merges", *branched(), samples),
    )
    print(f"worst median: {worst:.3f} ms per edit (target: well under {BUDGET_MS:g} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
