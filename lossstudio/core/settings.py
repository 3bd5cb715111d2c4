"""Run settings (SPEC §7): checked on every assignment, saved with the project (core layer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lossstudio.core.params import ParameterError, ParamKind, ParamSpec

OPTIMIZERS = (
    "adam", "adamw", "adamax", "amsgrad", "nadam", "rmsprop", "adadelta", "adagrad", "sgd",
)
SCHEDULES = ("none", "exponential_decay")
DEVICES = ("auto", "cpu", "cuda")

SETTING_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec("epochs", ParamKind.INT, 10, minimum=1, maximum=100_000),
    ParamSpec("batch_size", ParamKind.INT, 32, minimum=1, maximum=1_000_000, label="Batch size"),
    ParamSpec("optimizer", ParamKind.CHOICE, "adam", choices=OPTIMIZERS),
    ParamSpec("learning_rate", ParamKind.FLOAT, 0.001, minimum=0.0, min_open=True,
              label="Learning rate"),
    ParamSpec("beta_1", ParamKind.FLOAT, 0.9, minimum=0.0, maximum=1.0, max_open=True,
              help="Adam family: decay of the first moment"),
    ParamSpec("beta_2", ParamKind.FLOAT, 0.999, minimum=0.0, maximum=1.0, max_open=True,
              help="Adam family: decay of the second moment"),
    ParamSpec("epsilon", ParamKind.FLOAT, 1e-7, minimum=0.0, min_open=True),
    ParamSpec("momentum", ParamKind.FLOAT, 0.0, minimum=0.0, maximum=1.0, max_open=True,
              help="SGD and RMSprop"),
    ParamSpec("rho", ParamKind.FLOAT, 0.9, minimum=0.0, maximum=1.0, max_open=True,
              help="RMSprop and Adadelta: decay of the squared-gradient average"),
    ParamSpec("nesterov", ParamKind.BOOL, False, help="SGD only"),
    ParamSpec("weight_decay", ParamKind.FLOAT, 0.0, minimum=0.0, label="Weight decay"),
    ParamSpec("lr_schedule", ParamKind.CHOICE, "none", choices=SCHEDULES,
              label="Learning-rate schedule"),
    ParamSpec("decay_rate", ParamKind.FLOAT, 0.96, minimum=0.0, maximum=1.0, min_open=True,
              label="Decay rate", help="Exponential decay: factor per decay step"),
    ParamSpec("decay_steps", ParamKind.INT, 1000, minimum=1, label="Decay steps",
              help="Exponential decay: batches per factor"),
    ParamSpec("early_stopping", ParamKind.BOOL, False, label="Early stopping"),
    ParamSpec("patience", ParamKind.INT, 5, minimum=1, maximum=100_000,
              help="Epochs without a better validation loss before stopping"),
    ParamSpec("validation_split", ParamKind.FLOAT, 0.2, minimum=0.0, maximum=1.0,
              min_open=True, max_open=True, label="Validation split"),
    ParamSpec("seed", ParamKind.INT, 0, minimum=0, maximum=2**32 - 1),
    ParamSpec("device", ParamKind.CHOICE, "auto", choices=DEVICES),
)
_SPECS = {spec.name: spec for spec in SETTING_SPECS}


class RunSettings:
    """The run settings as attributes; every assignment is checked at once."""

    __slots__ = tuple(_SPECS)
    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    beta_1: float
    beta_2: float
    epsilon: float
    momentum: float
    rho: float
    nesterov: bool
    weight_decay: float
    lr_schedule: str
    decay_rate: float
    decay_steps: int
    early_stopping: bool
    patience: int
    validation_split: float
    seed: int
    device: str

    def __init__(self, **values: Any) -> None:
        for spec in SETTING_SPECS:
            object.__setattr__(self, spec.name, spec.default)
        for name, value in values.items():
            setattr(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        spec = _SPECS.get(name)
        if spec is None:
            raise ParameterError(
                f"unknown run setting {name!r}; known settings: {', '.join(_SPECS)}"
            )
        value = spec.coerce(value)
        problem = spec.range_problem(value)
        if problem:
            raise ParameterError(problem)
        object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunSettings) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        values = ", ".join(f"{key}={value!r}" for key, value in self.to_dict().items())
        return f"RunSettings({values})"

    def to_dict(self) -> dict[str, Any]:
        """All settings as a JSON-able dict."""
        return {name: getattr(self, name) for name in _SPECS}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RunSettings:
        """Settings from a dict; missing names keep their defaults."""
        return cls(**values)

    def replace(self, **overrides: Any) -> RunSettings:
        """A copy with ``overrides`` applied."""
        return RunSettings(**{**self.to_dict(), **overrides})


if set(RunSettings.__annotations__) != set(_SPECS):
    raise AssertionError("RunSettings attributes and SETTING_SPECS disagree")
