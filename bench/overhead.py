"""Training overhead: LossStudio's Trainer against a plain PyTorch loop, interleaved.

Same model, same in-memory data, batch size, optimizer (Adam 1e-3) and epochs; each
epoch has a validation pass with loss and accuracy. Models: an MLP 64→256→256→10 on
100,000 synthetic examples (20 % validation) and a small CNN on the bundled digits
images (tiled to 9,000 examples). Prints the median time ratio (LossStudio / plain)
per model and batch size, and the peak memory (max RSS) of each in its own process.

    python bench/overhead.py [--samples 5] [--epochs 2] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lossstudio import Project
from lossstudio.core.settings import RunSettings
from lossstudio.engine.model import GraphModule
from lossstudio.engine.trainer import TensorData, Trainer

ROOT = Path(__file__).resolve().parents[1]


def mlp_project() -> tuple[Project, str]:
    p = Project()
    x = p.add("input", feature="x")
    a = p.add("dense", units=256, activation="relu")
    b = p.add("dense", units=256, activation="relu")
    o = p.add("dense", units=10, activation="softmax")
    t = p.add("target", feature="y", loss="categorical_crossentropy")
    for s, d in ((x, a), (a, b), (b, o), (o, t)):
        p.connect(s, d)
    return p, t


def cnn_project() -> tuple[Project, str]:
    p = Project()
    x = p.add("input", feature="x")
    c1 = p.add("conv2d", filters=16, kernel_size=[3, 3], activation="relu")
    m = p.add("max_pooling2d")
    c2 = p.add("conv2d", filters=32, kernel_size=[3, 3], activation="relu")
    f = p.add("flatten")
    o = p.add("dense", units=10, activation="softmax")
    t = p.add("target", feature="y", loss="categorical_crossentropy")
    for s, d in ((x, c1), (c1, m), (m, c2), (c2, f), (f, o), (o, t)):
        p.connect(s, d)
    return p, t


def make_data(model: str) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    if model == "mlp":
        x = torch.randn(100_000, 64, generator=generator)
        w = torch.randn(64, 10, generator=generator)
        return x, (x @ w).argmax(dim=1)
    with np.load(ROOT / "resources/examples/digits.npz") as data:
        images, labels = data["image"], data["label"]
    x = torch.from_numpy(np.tile(images, (5, 1, 1, 1)))
    return x, torch.from_numpy(np.tile(labels, 5)).long()


def build(model: str, seed: int) -> tuple[GraphModule, nn.Module]:
    """The LossStudio module and an identical plain module (same weights)."""
    from lossstudio.core.facts import FeatureFacts

    project, target = mlp_project() if model == "mlp" else cnn_project()
    shape = (64,) if model == "mlp" else (8, 8, 1)
    project.facts = {
        "x": FeatureFacts("x", shape, -5.0, 5.0, False),
        "y": FeatureFacts("y", (), 0.0, 9.0, True, n_classes=10),
    }
    analysis = project.analyze()
    assert not analysis.has_errors, analysis.problems
    torch.manual_seed(seed)
    ours = GraphModule(project.graph, analysis.shapes, target)
    if model == "mlp":
        plain: nn.Module = nn.Sequential(
            nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )
    else:
        plain = PlainCNN()
    plain.load_state_dict(dict(zip(plain.state_dict(), ours.state_dict().values(), strict=True)))
    return ours, plain


class PlainCNN(nn.Module):
    """The CNN written by hand, channels-last in and out like the data."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.out = nn.Linear(4 * 4 * 32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.c1(x.permute(0, 3, 1, 2)))
        x = nn.functional.max_pool2d(x, 2)
        x = torch.relu(self.c2(x))
        return self.out(x.permute(0, 2, 3, 1).flatten(1))


def split(x: torch.Tensor, y: torch.Tensor) -> tuple[tuple, tuple]:
    n_val = len(x) // 5
    return (x[n_val:], y[n_val:]), (x[:n_val], y[:n_val])


def run_plain(model: str, batch: int, epochs: int) -> float:
    """A plain hand-written loop; returns seconds per epoch."""
    (xt, yt), (xv, yv) = split(*make_data(model))
    _, net = build(model, 0)
    optimizer = torch.optim.Adam(net.parameters(), 1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(xt), generator=generator)
        for i in range(0, len(xt), batch):
            index = order[i : i + batch]
            loss = loss_fn(net(xt[index]), yt[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        net.eval()
        with torch.no_grad():
            total, correct = 0.0, 0
            for i in range(0, len(xv), 1024):
                logits = net(xv[i : i + 1024])
                total += float(
                    nn.functional.cross_entropy(logits, yv[i : i + 1024], reduction="sum")
                )
                correct += int((logits.argmax(1) == yv[i : i + 1024]).sum())
    return (time.perf_counter() - start) / epochs


def run_ours(model: str, batch: int, epochs: int) -> float:
    """LossStudio's Trainer on the same data; returns seconds per epoch."""
    (xt, yt), (xv, yv) = split(*make_data(model))
    module, _ = build(model, 0)
    settings = RunSettings(epochs=epochs, batch_size=batch, optimizer="adam", learning_rate=1e-3)
    trainer = Trainer(
        module,
        settings,
        TensorData({"x": xt}, yt),
        TensorData({"x": xv}, yv),
        device=torch.device("cpu"),
    )
    start = time.perf_counter()
    result = trainer.fit()
    assert result.status == "completed", result.failure
    return (time.perf_counter() - start) / epochs


def profile_calls(model: str, batch: int) -> None:
    """One epoch of each under cProfile, single-threaded: Python calls and profiled time.

    The call counts are deterministic; they show the Python work each loop does per
    epoch, whatever the machine's noise.
    """
    import cProfile
    import pstats

    torch.set_num_threads(1)
    for name, run in (("plain", run_plain), ("lossstudio", run_ours)):
        run(model, batch, 1)
        profiler = cProfile.Profile()
        profiler.runcall(run, model, batch, 1)
        stats = pstats.Stats(profiler)
        print(f"{model} batch {batch} {name:10}  {stats.total_calls:8d} Python calls  "
              f"{stats.total_tt:.3f} s profiled")


def peak_memory(kind: str, model: str, batch: int, epochs: int) -> float:
    """Max RSS in MiB of a fresh process that runs one implementation."""
    code = (
        "import resource, sys; sys.path.insert(0, 'bench'); import overhead; "
        f"overhead.run_{kind}({model!r}, {batch}, {epochs}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one sample, no memory runs")
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    parser.add_argument("--batches", nargs="+", type=int, default=[32, 256])
    parser.add_argument("--profile", action="store_true",
                        help="count Python calls per epoch of each loop instead of timing")
    args = parser.parse_args()
    if args.profile:
        for model in args.models:
            for batch in args.batches:
                profile_calls(model, batch)
        return
    samples = 1 if args.quick else args.samples
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{samples} interleaved samples, {args.epochs} epochs each"
    )
    rows = []
    for model in args.models:
        for batch in args.batches:
            run_plain(model, batch, 1)
            run_ours(model, batch, 1)
            ratios, plain_times, our_times = [], [], []
            for sample in range(samples):
                if sample % 2:  # A B, then B A: neither always runs second
                    ours = run_ours(model, batch, args.epochs)
                    plain = run_plain(model, batch, args.epochs)
                else:
                    plain = run_plain(model, batch, args.epochs)
                    ours = run_ours(model, batch, args.epochs)
                plain_times.append(plain)
                our_times.append(ours)
                ratios.append(ours / plain)
            row = {
                "model": model,
                "batch": batch,
                "ratio": statistics.median(ratios),
                "plain_s_per_epoch": statistics.median(plain_times),
                "lossstudio_s_per_epoch": statistics.median(our_times),
            }
            if not args.quick:
                row["plain_peak_mib"] = peak_memory("plain", model, batch, 1)
                row["lossstudio_peak_mib"] = peak_memory("ours", model, batch, 1)
            rows.append(row)
            print(json.dumps(row))
    print("\nmodel  batch  ratio (LossStudio / plain)  plain s/epoch  LossStudio s/epoch  peak MiB")
    for r in rows:
        memory = (
            f"{r['plain_peak_mib']:.0f} / {r['lossstudio_peak_mib']:.0f}"
            if "plain_peak_mib" in r
            else "-"
        )
        print(
            f"{r['model']:5}  {r['batch']:5}  {r['ratio']:25.3f}  {r['plain_s_per_epoch']:13.3f}"
            f"  {r['lossstudio_s_per_epoch']:18.3f}  {memory}"
        )


if __name__ == "__main__":
    main()
