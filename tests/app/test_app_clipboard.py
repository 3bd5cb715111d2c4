"""Copy, cut and paste of blocks: fresh ids, links among the pasted blocks kept."""

from __future__ import annotations

from app_helpers import build_model
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from lossstudio.app import MainWindow


def test_copy_paste_gives_fresh_ids_and_keeps_inner_links(window: MainWindow) -> None:
    ids = build_model(window.project)
    graph = window.project.graph
    window.scene.select_blocks([ids["hidden"], ids["last"]])
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    count = window.undo_stack.count()
    QTest.keyClick(window.canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(graph.nodes) == 6 and len(graph.links) == 4
    pasted = window.scene.selected_block_ids()
    assert len(pasted) == 2 and not set(pasted) & set(ids.values())
    first, second = (graph.nodes[node_id] for node_id in pasted)
    assert first.params == graph.nodes[ids["hidden"]].params
    assert first.position == (240.0 + 40.0, 0.0 + 40.0)
    inner = [link for link in graph.links.values() if link.source in pasted]
    assert [(link.source, link.target) for link in inner] == [(first.id, second.id)]
    assert window.undo_stack.count() == count + 1
    window.actions_.paste.trigger()
    assert len(graph.nodes) == 8
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert len(graph.nodes) == 4 and len(graph.links) == 3
    assert not (set(window.scene.blocks) - set(ids.values()))


def test_cut_removes_and_paste_restores(window: MainWindow) -> None:
    ids = build_model(window.project)
    window.scene.select_blocks([ids["target"]])
    window.actions_.cut.trigger()
    assert ids["target"] not in window.project.graph.nodes
    window.actions_.paste.trigger()
    types = sorted(node.type for node in window.project.graph.nodes.values())
    assert types == ["dense", "dense", "input", "target"]


def test_pasting_foreign_text_changes_nothing(window: MainWindow) -> None:
    build_model(window.project)
    QGuiApplication.clipboard().setText("hello")
    count = window.undo_stack.count()
    window.actions_.paste.trigger()
    assert window.undo_stack.count() == count
    assert "no LossStudio blocks" in window.statusBar().currentMessage()
    QGuiApplication.clipboard().setText('{"format": "lossstudio.blocks", "blocks": '
                                        '[{"id": "a", "type": "nope", "position": [0, 0]}]}')
    window.actions_.paste.trigger()
    assert window.undo_stack.count() == count
    assert window.statusBar().currentMessage().startswith("Cannot paste")


def test_select_all_selects_blocks_and_links(window: MainWindow) -> None:
    build_model(window.project)
    window.actions_.select_all.trigger()
    assert len(window.scene.selected_block_ids()) == 4
    assert len(window.scene.selected_link_ids()) == 3
