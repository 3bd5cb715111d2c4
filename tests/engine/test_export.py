"""Exporting trained runs: ONNX, TorchScript and the standalone Python file.

Every bundled example (and a model with every kind of block) is trained for two epochs
on the CPU, then exported in each format. ONNX must match PyTorch in ONNX Runtime to
1e-4; the TorchScript file must load and match; the generated Python file must run on
its own and reproduce the app's epoch losses for the same seed.
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from lossstudio.engine.export import (
    ExportError,
    TrainedModel,
    export_onnx,
    export_run,
    export_torchscript,
    load_trained,
)
from lossstudio.engine.export_python import export_python, python_source
from lossstudio.io.examples import examples_dir
from lossstudio.project import Project
from lossstudio.runs import LoadedRun

EXAMPLES = ("digits", "multilabel", "regression", "counts")
MODELS = (*EXAMPLES, "every_block")
ONNX_TOLERANCE = 1e-4
LOSS_TOLERANCE = 1e-5
"""Relative difference allowed between the app's and the script's epoch losses (both
run on one CPU thread; in practice they are identical)."""


def every_block_project(folder: Path) -> Project:
    """Digits images through conv, batch norm, pooling, reshape, add, dropout, activation."""
    project = Project()
    project.use_dataset(str(folder / "digits.npz"))
    add = project.add
    image = add("input", feature="image")
    conv = add("conv2d", filters=4, kernel_size=[3, 3], strides=[2, 2], padding="same")
    norm = add("batch_normalization")
    pool = add("max_pooling2d", pool_size=[2, 2], padding="same")
    flat = add("flatten")
    shaped = add("reshape", target_shape=[4, 4])
    flat2 = add("flatten")
    dense = add("dense", units=10, activation="linear")
    gap = add("global_average_pooling2d")
    dense2 = add("dense", units=10, activation="tanh", initializer="he_normal", use_bias=False)
    drop = add("dropout", rate=0.2)
    total = add("add")
    soft = add("activation", activation="softmax")
    target = add("target", feature="label", loss="categorical_crossentropy")
    for source, sink in [(image, conv), (conv, norm), (norm, pool), (pool, flat), (flat, shaped),
                         (shaped, flat2), (flat2, dense), (conv, gap), (gap, dense2),
                         (dense2, drop), (dense, total), (drop, total), (total, soft),
                         (soft, target)]:
        project.connect(source, sink)
    project.settings.batch_size = 25  # a last batch of 13 examples
    project.settings.optimizer = "rmsprop"
    project.settings.lr_schedule = "exponential_decay"
    project.settings.decay_steps = 10
    project.save(folder / "every_block.lsproj")
    return project


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LoadedRun]]:
    """Each model trained for two epochs, in a copy of the examples folder."""
    folder = tmp_path_factory.mktemp("examples")
    for path in examples_dir().iterdir():
        if path.suffix in (".lsproj", ".csv", ".npz"):
            shutil.copy(path, folder / path.name)
    every_block_project(folder)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield {
            name: Project.load(folder / f"{name}.lsproj").train(epochs=2, device="cpu")
            for name in MODELS
        }
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained(runs: dict[str, LoadedRun]) -> dict[str, TrainedModel]:
    """Each run's best checkpoint, loaded."""
    return {name: load_trained(run.path) for name, run in runs.items()}


@pytest.mark.parametrize("name", MODELS)
def test_onnx_matches_pytorch_in_onnx_runtime(
    trained: dict[str, TrainedModel], name: str, tmp_path: Path
) -> None:
    onnx = pytest.importorskip("onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    model = trained[name]
    report = export_onnx(model, tmp_path / f"{name}.onnx")
    assert report.max_abs_diff <= ONNX_TOLERANCE, report.summary()
    assert report.n_examples == len(model.validation) > 2
    proto = onnx.load(str(report.path))
    assert max(entry.version for entry in proto.opset_import if entry.domain == "") >= 17
    assert [i.name for i in proto.graph.input] == model.feature_names
    for graph_input in proto.graph.input:
        assert graph_input.type.tensor_type.shape.dim[0].dim_param  # a dynamic batch axis
    metadata = {entry.key: entry.value for entry in proto.metadata_props}
    assert metadata["loss"] == model.module.loss_id
    session = onnxruntime.InferenceSession(str(report.path), providers=["CPUExecutionProvider"])
    for size in (1, 5):
        feeds = {n: x[:size].numpy() for n, x in zip(model.feature_names,
                                                      model.example_inputs(), strict=True)}
        (output,) = session.run(None, feeds)
        assert output.shape == (size, *model.module.output_shape)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name", MODELS)
def test_torchscript_loads_and_matches(
    trained: dict[str, TrainedModel], name: str, tmp_path: Path
) -> None:
    model = trained[name]
    report = export_torchscript(model, tmp_path / f"{name}.pt")
    assert report.max_abs_diff <= 1e-6
    loaded = torch.jit.load(str(report.path))
    with torch.no_grad():
        single = loaded(*model.example_inputs(1))
    assert single.shape == (1, *model.module.output_shape)
    torch.testing.assert_close(single, model.reference()[:1])


def _history(path: Path) -> list[tuple[float, float]]:
    with path.open(newline="") as file:
        return [(float(row["train_loss"]), float(row["val_loss"])) for row in csv.DictReader(file)]


RUN_SCRIPTS = """
import runpy, sys
for name in sys.argv[1:]:
    sys.argv = [f"{name}.py", "--epochs", "2", "--device", "cpu", "--threads", "1",
                "--history", f"{name}.csv"]
    runpy.run_path(f"{name}.py", run_name="__main__")
"""


def test_python_files_run_alone_and_train_like_the_app(
    runs: dict[str, LoadedRun], trained: dict[str, TrainedModel], tmp_path: Path
) -> None:
    for name in MODELS:
        report = export_python(trained[name], tmp_path / f"{name}.py")
        assert report.max_abs_diff <= 1e-6  # the file's Model with the checkpoint's weights
        best = runs[name].history["val_loss"][runs[name].best_epoch - 1]
        assert math.isclose(report.details["val_loss"], best, rel_tol=1e-6)
    # One file as a plain script; the others as __main__ in one more interpreter, which
    # imports torch once (the files share nothing else).
    first, *others = MODELS
    processes = [
        subprocess.Popen(
            [sys.executable, f"{first}.py", "--epochs", "2", "--device", "cpu", "--threads",
             "1", "--history", f"{first}.csv"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ),
        subprocess.Popen(
            [sys.executable, "-c", RUN_SCRIPTS, *others],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ),
    ]
    for process in processes:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
        assert "epoch 2/2" in output
    for name in MODELS:
        app = list(zip(runs[name].history["train_loss"], runs[name].history["val_loss"],
                       strict=True))
        script = _history(tmp_path / f"{name}.csv")
        assert len(script) == len(app) == 2
        for (app_train, app_val), (train, val) in zip(app, script, strict=True):
            assert math.isclose(train, app_train, rel_tol=LOSS_TOLERANCE), (name, train, app_train)
            assert math.isclose(val, app_val, rel_tol=LOSS_TOLERANCE), (name, val, app_val)


def test_python_files_are_clean_python(trained: dict[str, TrainedModel], tmp_path: Path) -> None:
    for name in MODELS:
        (tmp_path / f"{name}.py").write_text(python_source(trained[name], f"{name}.py"))
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--line-length",
         "100", "--select", "E,F,W,I,B,UP", "--ignore", "E501", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    source = (tmp_path / "every_block.py").read_text()
    for expected in ("class Model(nn.Module):", "self.conv2d_1 = nn.Conv2d(",
                     "torch.optim.RMSprop(", "LambdaLR", "def channel_norm("):
        assert expected in source


def test_missing_checkpoint_is_a_clear_error(runs: dict[str, LoadedRun], tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(runs["counts"].path, copy)
    (copy / "checkpoints" / "best.pt").unlink()
    with pytest.raises(ExportError, match="no best checkpoint"):
        export_run(copy, "torchscript", tmp_path / "m.pt")


def test_unknown_format_and_folder_are_clear_errors(
    runs: dict[str, LoadedRun], tmp_path: Path
) -> None:
    with pytest.raises(ExportError, match="unknown export format 'keras'.*onnx, torchscript"):
        export_run(runs["counts"].path, "keras", tmp_path / "m.keras")
    with pytest.raises(ExportError, match="no such run folder"):
        export_run(tmp_path / "nowhere", "onnx", tmp_path / "m.onnx")


def test_onnx_without_onnxruntime_says_what_to_install(
    runs: dict[str, LoadedRun], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ExportError, match=r"pip install 'lossstudio\[export\]'"):
        export_run(runs["counts"].path, "onnx", tmp_path / "m.onnx")
