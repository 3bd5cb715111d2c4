"""Files: save and reopen, broken files, unsaved changes, recent files, recovery."""

from __future__ import annotations

import json
from pathlib import Path

from app_helpers import FakeDialogs, build_model, settle
from PySide6.QtWidgets import QApplication, QMessageBox

from lossstudio.app import MainWindow
from lossstudio.app.app_settings import AppSettings
from lossstudio.app.canvas import BlockState
from lossstudio.app.dialogs import Answer, Dialogs
from lossstudio.app.main import create_window


def _fake(window: MainWindow) -> FakeDialogs:
    dialogs = window.dialogs
    assert isinstance(dialogs, FakeDialogs)
    return dialogs


def test_save_and_reopen(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ids = build_model(window.project, loss="poisson", last_activation="relu")
    assert window.isWindowModified()
    assert window.windowTitle().startswith("Untitled[*]")
    path = tmp_path / "model.lsproj"
    _fake(window).save_path = path
    assert window.actions_.save.isEnabled()
    window.actions_.save.trigger()  # no file yet: asks where (Save As)
    assert path.is_file()
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("model[*]")
    assert window.settings.recent_files()[0] == path.resolve()

    other = make_window(path)
    assert set(other.project.graph.nodes) == set(ids.values())
    assert not other.isWindowModified()
    settle(other)
    assert other.canvas.item_for(ids["last"]).state is BlockState.ERROR
    assert other.project.path == path.resolve()


def test_a_broken_file_gives_a_dialog_and_keeps_the_project(window: MainWindow,
                                                           tmp_path: Path) -> None:
    ids = build_model(window.project)
    broken = tmp_path / "broken.lsproj"
    broken.write_text('{"format": "lossstudio.project", "schema_version": 1, "blocks": [',
                      encoding="utf-8")
    assert not window.files.open_path(broken)
    ((title, message),) = _fake(window).errors
    assert title == "Cannot open the project"
    assert "broken.lsproj" in message and "malformed JSON" in message
    assert "Traceback" not in message
    assert set(window.project.graph.nodes) == set(ids.values())
    unknown = tmp_path / "unknown.lsproj"
    unknown.write_text(json.dumps({"format": "lossstudio.project", "schema_version": 1,
                                   "blocks": [{"id": "b", "type": "lstm"}]}), encoding="utf-8")
    assert not window.files.open_path(unknown)
    assert "unknown block type 'lstm'" in _fake(window).errors[-1][1]
    assert not window.files.open_path(tmp_path / "missing.lsproj")
    assert "no such file" in _fake(window).errors[-1][1]
    assert set(window.project.graph.nodes) == set(ids.values())


def test_the_real_error_dialog_names_the_problem(window: MainWindow, tmp_path: Path,
                                                 qtbot) -> None:  # type: ignore[no-untyped-def]
    window.dialogs = Dialogs(window)
    broken = tmp_path / "broken.lsproj"
    broken.write_bytes(b"\xff\xfe not json")
    assert not window.files.open_path(broken)
    box = window.dialogs.last_error
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "not UTF-8 text" in box.text()
    box.close()
    QApplication.processEvents()


def test_unsaved_changes_are_asked_about(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    build_model(window.project)
    saved = tmp_path / "other.lsproj"
    helper = make_window()
    helper.project.add("dense")
    helper.files.save_to(saved)
    fake = _fake(window)
    fake.unsaved_answer = Answer.CANCEL
    assert not window.files.open_path(saved)
    assert len(window.project.graph.nodes) == 4 and fake.asked == ["Untitled"]
    window.close()
    assert window.isVisible()  # cancel keeps the window open
    fake.unsaved_answer = Answer.SAVE
    fake.save_path = tmp_path / "first.lsproj"
    assert window.files.open_path(saved)
    assert (tmp_path / "first.lsproj").is_file()
    assert len(window.project.graph.nodes) == 1
    window.project.add("dense")
    fake.unsaved_answer = Answer.DISCARD
    assert window.files.new_project()
    assert not window.project.graph.nodes
    assert window.undo_stack.count() == 0


def test_recent_files_and_geometry_persist(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.project.add("dense")
    paths = [tmp_path / f"p{index}.lsproj" for index in range(3)]
    for path in paths:
        assert window.files.save_to(path)
    window.actions_.fill_recent()
    texts = [action.text() for action in window.actions_.recent_menu.actions()]
    assert texts[:3] == ["&1 p2.lsproj", "&2 p1.lsproj", "&3 p0.lsproj"]
    window.resize(700, 500)
    window.close()
    settings = AppSettings()
    assert settings.last_project() == paths[-1].resolve()
    again = make_window()
    assert again.size().width() == 700 and again.size().height() == 500
    paths[0].unlink()
    assert not again.files.open_recent(paths[0].resolve())
    assert paths[0].resolve() not in AppSettings().recent_files()


def test_autosave_is_offered_back_after_a_crash(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ids = build_model(window.project)
    copy = window.files.autosave_now()
    assert copy is not None and copy.is_file()
    meta = json.loads(copy.with_suffix(".json").read_text(encoding="utf-8"))
    meta["pid"] = 999_999_999  # a session that is gone
    crashed = copy.with_name("autosave-999999999-1.lsproj")
    copy.rename(crashed)
    copy.with_suffix(".json").unlink()
    crashed.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")

    fresh = make_window()
    assert fresh.files.recoverable()
    assert fresh.files.offer_recovery()
    assert set(fresh.project.graph.nodes) == set(ids.values())
    assert fresh.isWindowModified()
    assert not crashed.exists()
    assert not fresh.files.recoverable()


def test_saving_removes_the_autosave_copy(window: MainWindow, tmp_path: Path) -> None:
    window.project.add("dense")
    copy = window.files.autosave_now()
    assert copy is not None and copy.exists()
    window.files.save_to(tmp_path / "saved.lsproj")
    assert not copy.exists()
    assert window.files.autosave_now() is None  # nothing unsaved


def test_start_up_opens_the_last_project(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "last.lsproj"
    from lossstudio.project import Project

    project = Project()
    build_model(project)
    project.save(path)
    AppSettings().set_last_project(path)
    window = create_window(None)
    qtbot.addWidget(window)
    assert window.project.path == path.resolve()
    assert len(window.project.graph.nodes) == 4


def test_start_up_without_a_last_project_opens_an_example_or_says_why(qtbot) -> None:  # type: ignore[no-untyped-def]
    from lossstudio.io.examples import example_projects

    window = create_window(None)
    qtbot.addWidget(window)
    if example_projects():
        assert window.project.graph.nodes
        assert window.project.path is None  # an example opens as an untitled copy
        assert window.document.display_name.endswith("(example)")
    else:
        assert "No bundled example" in window.statusBar().currentMessage()
        assert not window.project.graph.nodes
