"""The loss explorer: its curves are the engine's losses, its shading the loss domains."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from lossstudio.app.loss_explorer import (  # noqa: E402
    PROBABILITY,
    LossExplorer,
    LossExplorerWindow,
    loss_values,
)
from lossstudio.core.losses import LOSSES  # noqa: E402
from lossstudio.engine.losses import per_example_loss  # noqa: E402

TARGETS = {
    "categorical_crossentropy": (1.0, 0.0, 0.3),
    "binary_crossentropy": (1.0, 0.0, 0.3),
    "squared_hinge": (1.0, 0.0, -1.0, 0.5),
    "mean_squared_error": (1.0, -2.0),
    "mean_absolute_error": (1.0, 4.5),
    "mean_squared_logarithmic_error": (1.0, 0.0, 3.0),
    "poisson": (1.0, 0.0, 3.0),
}


def engine_loss(loss_id: str, x: np.ndarray, target: float) -> np.ndarray:
    """The engine's per-example loss of one-output predictions ``x``."""
    prediction = torch.tensor(x, dtype=torch.float32).reshape(-1, 1)
    return per_example_loss(loss_id, prediction, torch.full_like(prediction, target)).numpy()


@pytest.fixture
def explorer(qtbot) -> LossExplorer:  # type: ignore[no-untyped-def]
    widget = LossExplorer()
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize("loss_id", list(TARGETS))
def test_curves_are_the_engine_losses(explorer: LossExplorer, loss_id: str) -> None:
    explorer.set_loss(loss_id)
    for target in TARGETS[loss_id]:
        explorer.set_target(target)
        x, values = explorer.curves()[loss_id]
        inside = np.array([LOSSES[loss_id].domain.contains_value(v) for v in x])
        assert inside.sum() > 100
        assert np.isnan(values[~inside]).all()  # undefined: no curve
        assert np.isfinite(values[inside]).all()
        expected = engine_loss(loss_id, x[inside], target)
        np.testing.assert_allclose(values[inside], expected, rtol=2e-5, atol=2e-5,
                                   err_msg=f"{loss_id}, y = {target}")


def test_probability_of_the_true_class(explorer: LossExplorer) -> None:
    explorer.set_loss("categorical_crossentropy")
    explorer.set_compared(["binary_crossentropy", "mean_squared_error"])
    explorer.set_mode(PROBABILITY)
    assert not explorer.target.isEnabled()
    curves = explorer.curves()
    assert set(curves) == {"categorical_crossentropy", "binary_crossentropy"}
    p, values = curves["categorical_crossentropy"]
    inside = (p > 0) & (p <= 1)
    # Ten classes: the true class (0) gets p, the nine others share 1 - p.
    probs = torch.tensor(p[inside], dtype=torch.float32).reshape(-1, 1)
    rest = ((1 - probs) / 9).expand(-1, 9)
    prediction = torch.cat([probs, rest], dim=1)
    labels = torch.zeros(len(prediction), dtype=torch.long)
    expected = per_example_loss("categorical_crossentropy", prediction, labels).numpy()
    np.testing.assert_allclose(values[inside], expected, rtol=2e-5, atol=2e-5)
    p, bce = curves["binary_crossentropy"]
    ok = (p > 0) & (p < 1)
    np.testing.assert_allclose(bce[ok], engine_loss("binary_crossentropy", p[ok], 1.0),
                               rtol=2e-5, atol=2e-5)
    explorer.set_loss("poisson")  # not a probability: back to the prediction axis
    assert explorer.target.isEnabled() and "poisson" in explorer.curves()


def test_undefined_domain_is_shaded_and_recommended_range_marked(explorer: LossExplorer) -> None:
    explorer.set_loss("poisson")
    explorer.set_target(3.0)
    x, _ = explorer.curves()["poisson"]
    assert explorer.undefined() == [("poisson", x[0], 0.0)]
    assert explorer.recommended_range() == (0.0, float("inf"))  # Softplus
    explorer.set_loss("binary_crossentropy")
    x, _ = explorer.curves()["binary_crossentropy"]
    assert explorer.undefined() == [("binary_crossentropy", x[0], 0.0),
                                    ("binary_crossentropy", 1.0, x[-1])]
    assert explorer.recommended_range() == (0.0, 1.0)  # Sigmoid
    explorer.set_loss("mean_squared_error")
    assert explorer.undefined() == []
    assert explorer.recommended_range() == (float("-inf"), float("inf"))


def test_the_last_blocks_activation_is_judged(explorer: LossExplorer) -> None:
    explorer.set_loss("poisson")
    explorer.set_activation("relu")
    assert "ReLU can output 0" in explorer.note.text()
    explorer.set_activation("softplus")
    assert "Your last block" not in explorer.note.text()


def test_losses_are_overlaid_from_the_list(explorer: LossExplorer) -> None:
    explorer.set_loss("mean_squared_error")
    explorer.set_compared(["mean_absolute_error", "poisson"])
    assert list(explorer.curves()) == ["mean_squared_error", "mean_absolute_error", "poisson"]
    assert [s[0] for s in explorer.undefined()] == ["poisson"]
    rows = {explorer.losses.item(r).data(Qt.ItemDataRole.UserRole): explorer.losses.item(r)
            for r in range(explorer.losses.count())}
    rows["mean_squared_logarithmic_error"].setCheckState(Qt.CheckState.Checked)
    rows["poisson"].setCheckState(Qt.CheckState.Unchecked)
    assert set(explorer.curves()) == {"mean_squared_error", "mean_absolute_error",
                                      "mean_squared_logarithmic_error"}
    main = rows["mean_squared_error"]
    assert not main.flags() & Qt.ItemFlag.ItemIsEnabled  # the Target's loss stays drawn


def test_compact_explorer_opens_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    compact = LossExplorer(compact=True)
    qtbot.addWidget(compact)
    compact.set_loss("squared_hinge")
    assert not compact.losses.isVisible()
    window = compact.open_window()
    try:
        assert isinstance(window, LossExplorerWindow)
        assert window.isVisible() and window.windowTitle().startswith("Loss explorer")
        assert window.explorer.loss_id == "squared_hinge"
        compact.set_loss("poisson")  # the open window follows the Target's loss
        assert window.explorer.loss_id == "poisson"
        assert not window.grab().isNull()
    finally:
        window.close()


def test_curve_formulas_need_no_torch() -> None:
    code = ("import sys, numpy as np; import lossstudio.app.loss_explorer as m; "
            "m.loss_values('poisson', np.linspace(0.1, 2, 5), 1.0); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_unknown_loss_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown loss"):
        loss_values("hinge", np.zeros(3), 1.0)
