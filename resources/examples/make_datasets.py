"""Generate the bundled example datasets of LossStudio (run once by a developer).

    python resources/examples/make_datasets.py

writes, next to this script:

- ``digits.npz``: scikit-learn's bundled handwritten digits (1,797 8×8 images, BSD
  licensed, shipped inside the scikit-learn package: no download). scikit-learn is
  needed only to run this script, never by LossStudio itself.
- ``multilabel.csv``, ``regression.csv``, ``counts.csv``: synthetic data from fixed
  seeds, with a real relationship between inputs and targets for a model to learn.

The output is deterministic: running it again gives the same values.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N_ROWS = 1000


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def make_digits(path: Path) -> None:
    """8×8 grey-level digit images (values 0–16 in the source) scaled to [0, 1]."""
    from sklearn.datasets import load_digits  # only needed here

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)  # (N, 8, 8)
    np.savez_compressed(
        path,
        pixels=images.reshape(len(images), 64),
        image=images[..., np.newaxis],
        label=digits.target.astype(np.int64),
    )


def make_multilabel(path: Path, seed: int = 1) -> None:
    """Five inputs; four 0/1 labels, each a threshold on a noisy function of the inputs."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_ROWS, 5))
    x1, x2, x3, x4, x5 = x.T

    def noise(scale: float) -> np.ndarray:
        return scale * rng.normal(size=N_ROWS)

    labels = {
        "near_origin": x1**2 + x2**2 + noise(0.3) < 1.4,
        "rising": x1 + 0.5 * x3 - 0.5 * x4 + noise(0.3) > 0,
        "same_sign": x2 * x5 + noise(0.2) > 0,
        "spread_out": np.abs(x3) + np.abs(x4) + np.abs(x5) + noise(0.3) > 2.4,
    }
    header = ["x1", "x2", "x3", "x4", "x5", *labels]
    rows = [
        [f"{v:.4f}" for v in x[i]] + [int(label[i]) for label in labels.values()]
        for i in range(N_ROWS)
    ]
    _write_csv(path, header, rows)


SURFACES = {"dry_asphalt": 0.8, "gravel": 0.6, "wet_asphalt": 0.5, "snow": 0.25}


def make_regression(path: Path, seed: int = 2) -> None:
    """Stopping distance of a car: reaction distance plus braking distance, 5 % noise.

    d = v·t + v² / (2·g·(μ + slope)), v in m/s, μ the friction of the road surface.
    """
    rng = np.random.default_rng(seed)
    speed_kmh = rng.uniform(30, 120, N_ROWS)
    reaction_s = rng.uniform(0.6, 1.8, N_ROWS)
    slope_pct = rng.uniform(-5, 5, N_ROWS)
    names = list(SURFACES)
    surface = rng.choice(len(names), N_ROWS)
    mu = np.array([SURFACES[names[s]] for s in surface])
    v = speed_kmh / 3.6
    distance = v * reaction_s + v**2 / (2 * 9.81 * (mu + slope_pct / 100))
    distance *= np.exp(rng.normal(0.0, 0.05, N_ROWS))
    header = [
        "speed_kmh",
        "reaction_time_s",
        "slope_percent",
        "road_surface",
        "stopping_distance_m",
    ]
    rows = [
        [
            f"{speed_kmh[i]:.1f}",
            f"{reaction_s[i]:.2f}",
            f"{slope_pct[i]:.1f}",
            names[surface[i]],
            f"{distance[i]:.2f}",
        ]
        for i in range(N_ROWS)
    ]
    _write_csv(path, header, rows)


def make_counts(path: Path, seed: int = 3) -> None:
    """Hourly bike trips: Poisson counts with log-rate linear in the weather inputs."""
    rng = np.random.default_rng(seed)
    temperature = rng.uniform(-5, 32, N_ROWS)
    humidity = rng.uniform(20, 100, N_ROWS)
    wind = rng.uniform(0, 40, N_ROWS)
    weekend = (rng.uniform(size=N_ROWS) < 2 / 7).astype(int)
    log_rate = (
        2.0
        + 0.05 * (temperature - 15)
        - 0.012 * (humidity - 60)
        - 0.02 * (wind - 15)
        + 0.35 * weekend
    )
    trips = rng.poisson(np.exp(log_rate))
    header = ["temperature_c", "humidity_pct", "wind_kmh", "weekend", "bike_trips"]
    rows = [
        [f"{temperature[i]:.1f}", f"{humidity[i]:.0f}", f"{wind[i]:.1f}", weekend[i], trips[i]]
        for i in range(N_ROWS)
    ]
    _write_csv(path, header, rows)


def main() -> None:
    """Write all example datasets beside this script."""
    make_digits(HERE / "digits.npz")
    make_multilabel(HERE / "multilabel.csv")
    make_regression(HERE / "regression.csv")
    make_counts(HERE / "counts.csv")


if __name__ == "__main__":
    main()
