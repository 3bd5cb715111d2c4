"""Write the bundled example projects (one per loss group) with the scripting API.

Run from anywhere: ``python resources/examples/make_projects.py``. Each project sits
beside its dataset and refers to it by a relative path.
"""

from __future__ import annotations

from pathlib import Path

from lossstudio import Project

HERE = Path(__file__).resolve().parent


def chain(project: Project, *blocks: str) -> None:
    """Link each block to the next."""
    for source, target in zip(blocks, blocks[1:], strict=False):
        project.connect(source, target)


def digits() -> Project:
    """Single-label classification: pixels → Dense → Dense(softmax) → crossentropy."""
    p = Project()
    p.use_dataset(HERE / "digits.npz")
    x = p.add("input", feature="pixels", position=(0, 0))
    h = p.add("dense", units=64, activation="relu", position=(220, 0))
    o = p.add("dense", units=10, activation="softmax", position=(440, 0))
    t = p.add("target", feature="label", loss="categorical_crossentropy", position=(660, 0))
    chain(p, x, h, o, t)
    p.settings.epochs, p.settings.batch_size = 10, 32
    return p


def multilabel() -> Project:
    """Multi-label classification: sigmoid outputs with binary crossentropy."""
    p = Project()
    p.use_dataset(HERE / "multilabel.csv", features={
        "inputs": {"columns": ["x1", "x2", "x3", "x4", "x5"], "encoding": "standardize"},
        "labels": {
            "columns": ["near_origin", "rising", "same_sign", "spread_out"], "encoding": "none",
        },
    })
    x = p.add("input", feature="inputs", position=(0, 0))
    h = p.add("dense", units=32, activation="relu", position=(220, 0))
    d = p.add("dropout", rate=0.1, position=(440, 0))
    o = p.add("dense", units=4, activation="sigmoid", position=(660, 0))
    t = p.add("target", feature="labels", loss="binary_crossentropy", position=(880, 0))
    chain(p, x, h, d, o, t)
    p.settings.epochs, p.settings.learning_rate = 20, 0.005
    return p


def regression() -> Project:
    """Continuous regression: numeric and one-hot text inputs joined, MSE on a linear output."""
    p = Project()
    p.use_dataset(HERE / "regression.csv", features={
        "inputs": {
            "columns": ["speed_kmh", "reaction_time_s", "slope_percent"],
            "encoding": "standardize",
        },
        "road_surface": {"columns": ["road_surface"], "encoding": "one_hot"},
        "stopping_distance_m": {"columns": ["stopping_distance_m"], "encoding": "none"},
    })
    x = p.add("input", feature="inputs", position=(0, 0))
    s = p.add("input", feature="road_surface", position=(0, 160))
    c = p.add("concatenate", position=(220, 80))
    h = p.add("dense", units=64, activation="relu", position=(440, 80))
    o = p.add("dense", units=1, activation="linear", position=(660, 80))
    t = p.add("target", feature="stopping_distance_m", loss="mean_squared_error",
              position=(880, 80))
    p.connect(x, c, 0)
    p.connect(s, c, 1)
    chain(p, c, h, o, t)
    p.settings.epochs, p.settings.learning_rate = 30, 0.01
    return p


def counts() -> Project:
    """Count regression: a softplus output with the Poisson loss."""
    p = Project()
    p.use_dataset(HERE / "counts.csv", features={
        "inputs": {
            "columns": ["temperature_c", "humidity_pct", "wind_kmh", "weekend"],
            "encoding": "standardize",
        },
        "bike_trips": {"columns": ["bike_trips"], "encoding": "none"},
    })
    x = p.add("input", feature="inputs", position=(0, 0))
    h = p.add("dense", units=16, activation="relu", position=(220, 0))
    o = p.add("dense", units=1, activation="softplus", position=(440, 0))
    t = p.add("target", feature="bike_trips", loss="poisson", position=(660, 0))
    chain(p, x, h, o, t)
    p.settings.epochs, p.settings.learning_rate = 20, 0.01
    return p


def main() -> None:
    """Write every example project and check it validates clean."""
    for make in (digits, multilabel, regression, counts):
        project = make()
        problems = project.validate()
        if problems:
            raise SystemExit(f"{make.__name__}: {problems}")
        print("wrote", project.save(HERE / f"{make.__name__}.lsproj"))


if __name__ == "__main__":
    main()
