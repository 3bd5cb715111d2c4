"""``lossstudio export``: exit codes, messages and the default run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lossstudio.cli import main
from lossstudio.io.examples import examples_dir
from lossstudio.project import Project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the counts example with one run of one epoch in its ``runs/`` folder."""
    folder = tmp_path_factory.mktemp("counts")
    for name in ("counts.lsproj", "counts.csv"):
        shutil.copy(examples_dir() / name, folder / name)
    Project.load(folder / "counts.lsproj").train(epochs=1, device="cpu")
    return folder / "counts.lsproj"


def _run_dir(project: Path) -> Path:
    (run,) = (project.parent / "runs").iterdir()
    return run


def test_export_writes_the_file_and_reports_parity(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "counts.pt"
    code = main(["export", str(project), "--run", str(_run_dir(project)),
                 "--format", "torchscript", "-o", str(output)])
    out = capsys.readouterr().out
    assert code == 0
    assert output.is_file()
    assert "max abs difference" in out and "best checkpoint, epoch 1" in out


def test_the_newest_run_beside_the_project_is_the_default(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "counts_model.py"
    assert main(["export", str(project), "--format", "python", "-o", str(output),
                 "--checkpoint", "last"]) == 0
    assert "python " in capsys.readouterr().out
    assert "class Model(nn.Module)" in output.read_text()
    name = _run_dir(project).name  # a run may also be named by its folder in runs/
    assert main(["export", str(project), "--run", name, "--format", "python",
                 "-o", str(output)]) == 0


def test_errors_are_one_line_without_traceback(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export", str(project), "--run", "no_such_run", "--format", "onnx",
                 "-o", str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "no_such_run: no such run folder" in err and "Traceback" not in err
    broken = tmp_path / "run"
    shutil.copytree(_run_dir(project), broken)
    shutil.rmtree(broken / "checkpoints")
    code = main(["export", str(project), "--run", str(broken), "--format", "torchscript",
                 "-o", str(tmp_path / "m.pt")])
    err = capsys.readouterr().err
    assert code == 1
    assert "no best checkpoint" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exited:
        main(["export", str(project), "--format", "keras"])
    assert exited.value.code == 2
    assert "invalid choice: 'keras'" in capsys.readouterr().err
