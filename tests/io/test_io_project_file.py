"""The project file (SPEC §10): round trips, broken files with clear messages, atomic save."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lossstudio import Project
from lossstudio.core.graph import Graph
from lossstudio.core.project_model import DatasetRef
from lossstudio.io.errors import ProjectFileError
from lossstudio.io.project_file import read_project

GOOD: dict[str, Any] = {
    "format": "lossstudio.project",
    "schema_version": 1,
    "dataset": None,
    "blocks": [
        {"id": "x", "type": "input", "position": [0, 0], "params": {"feature": "x"}},
        {"id": "a", "type": "add", "position": [100, 0], "params": {}},
        {"id": "d", "type": "dense", "position": [200, 0],
         "params": {"units": 1, "activation": "linear"}},
        {"id": "t", "type": "target", "position": [300, 0],
         "params": {"feature": "y", "loss": "mean_squared_error"}},
        {"id": "e", "type": "dense", "position": [300, 100], "params": {}},
    ],
    "links": [
        {"id": "l1", "source": "x", "target": "a", "port": 0},
        {"id": "l2", "source": "x", "target": "a", "port": 1},
        {"id": "l3", "source": "a", "target": "d", "port": 0},
        {"id": "l4", "source": "d", "target": "t", "port": 0},
    ],
    "settings": {"epochs": 3, "optimizer": "sgd"},
}


def graph_dump(graph: Graph) -> dict[str, Any]:
    return {
        "nodes": {
            n.id: (n.type, json.dumps(n.params, sort_keys=True), n.position)
            for n in graph.nodes.values()
        },
        "links": {k: (v.source, v.target, v.port) for k, v in graph.links.items()},
    }


def write(tmp_path: Path, document: Any, name: str = "project.lsproj") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def changed(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    document = copy.deepcopy(GOOD)
    change(document)
    return document


def block(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(entry for entry in document["blocks"] if entry["id"] == node_id)


# --- good files -----------------------------------------------------------------------


def test_the_good_document_loads(tmp_path: Path) -> None:
    p = Project.load(write(tmp_path, GOOD))
    assert list(p.graph.nodes) == ["x", "a", "d", "t", "e"]
    assert p.graph.predecessors("a") == ["x", "x"]
    assert p.settings.epochs == 3 and p.settings.optimizer == "sgd"
    assert p.settings.batch_size == 32  # missing settings keep their defaults
    assert p.graph.nodes["e"].params["units"] == 32  # missing params get defaults
    assert p.path == (tmp_path / "project.lsproj").resolve()


def _rich_project(tmp_path: Path) -> Project:
    p = Project()
    x = p.add("input", feature="pixels", position=(-10.5, 20))
    c = p.add("conv2d", filters=8, kernel_size=[5, 3], strides=[2, 1], padding="valid",
              activation="elu", use_bias=False, initializer="he_normal", trainable=False,
              position=(100, 0))
    pool = p.add("max_pooling2d", pool_size=[3, 3], strides=None, position=(200, 0))
    f = p.add("flatten", position=(300, 0))
    r = p.add("reshape", target_shape=[-1, 4], position=(350, 0))
    g = p.add("flatten", node_id="second flatten", position=(375, 0))
    a = p.add("dense", units=5, activation="softplus", position=(400, -60))
    b = p.add("dense", units=7, activation="softplus", position=(400, 60))
    cat = p.add("concatenate", inputs=3, axis=-1, position=(500, 0))
    drop = p.add("dropout", rate=0.25, position=(600, 0))
    t = p.add("target", feature="höhe", loss="poisson", position=(700, 0))
    p.add("embedding", input_dim=50, output_dim=3, position=(0, 300))
    p.connect(x, c)
    p.connect(c, pool)
    p.connect(pool, f)
    p.connect(f, r)
    p.connect(r, g)
    p.connect(g, a)
    p.connect(g, b)
    p.connect(b, cat, port=2)
    p.connect(a, cat, port=0)
    p.connect(f, cat, port=1)
    p.connect(cat, drop)
    p.connect(drop, t)
    p.settings.epochs = 12
    p.settings.batch_size = 16
    p.settings.learning_rate = 0.0125
    p.settings.optimizer = "rmsprop"
    p.settings.seed = 7
    p.settings.device = "cpu"
    p.settings.early_stopping = True
    data = tmp_path / "data" / "set.csv"
    p.dataset = DatasetRef(str(data), {"höhe": {"encoding": "none"}, "x": {"columns": ["a"]}})
    return p


def test_save_load_round_trip_keeps_everything(tmp_path: Path) -> None:
    p = _rich_project(tmp_path)
    (tmp_path / "projects").mkdir()
    path = p.save(tmp_path / "projects" / "rich.lsproj")
    assert path == (tmp_path / "projects" / "rich.lsproj").resolve()
    q = Project.load(path)
    assert graph_dump(q.graph) == graph_dump(p.graph)
    assert list(q.graph.nodes) == list(p.graph.nodes)
    assert list(q.graph.links) == list(p.graph.links)
    assert q.graph.predecessors("concatenate_1") == ["dense_1", "flatten_1", "dense_2"]
    assert q.settings == p.settings
    assert q.settings.learning_rate == 0.0125
    assert q.dataset is not None and p.dataset is not None
    assert Path(q.dataset.path) == Path(p.dataset.path)
    assert q.dataset.features == p.dataset.features
    assert q.validate() == p.validate()


def test_the_file_is_versioned_utf8_json_with_a_relative_dataset_path(tmp_path: Path) -> None:
    p = _rich_project(tmp_path)
    (tmp_path / "projects").mkdir()
    path = p.save(tmp_path / "projects" / "rich.lsproj")
    raw = path.read_bytes()
    document = json.loads(raw.decode("utf-8"))
    assert document["format"] == "lossstudio.project"
    assert document["schema_version"] == 1
    assert document["dataset"]["path"] == "../data/set.csv"
    assert "höhe" in raw.decode("utf-8") or "\\u00f6" in raw.decode("utf-8")
    assert [entry["id"] for entry in document["blocks"]][:2] == ["input_1", "conv2d_1"]
    assert all(isinstance(entry["id"], str) for entry in document["links"])


def test_saving_again_gives_the_same_bytes(tmp_path: Path) -> None:
    p = _rich_project(tmp_path)
    first = p.save(tmp_path / "one.lsproj").read_bytes()
    q = Project.load(tmp_path / "one.lsproj")
    second = q.save(tmp_path / "two.lsproj").read_bytes()
    assert first == second
    q.save()  # back in place, where it was loaded from
    assert (tmp_path / "one.lsproj").read_bytes() == first


def test_new_blocks_after_loading_get_fresh_ids(tmp_path: Path) -> None:
    p = _rich_project(tmp_path)
    q = Project.load(p.save(tmp_path / "rich.lsproj"))
    before = set(q.graph.nodes) | set(q.graph.links)
    new = q.add("dense")
    link = q.connect("input_1", new)
    assert new not in before and link not in before


def test_a_new_project_needs_a_path_to_save() -> None:
    with pytest.raises(ValueError, match="path"):
        Project().save()


def test_dataset_path_follows_the_project_when_the_folder_moves(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / "data").mkdir(parents=True)
    csv = old / "data" / "counts.csv"
    csv.write_text("x1,x2,count\n1,2,3\n2,3,0\n4,5,1\n1,1,2\n0,3,5\n", encoding="utf-8")
    p = Project()
    p.use_dataset(csv)
    x = p.add("input", feature="x1")
    d = p.add("dense", units=1, activation="relu")
    t = p.add("target", feature="count", loss="poisson")
    p.connect(x, d)
    p.connect(d, t)
    p.save(old / "model.lsproj")
    new = tmp_path / "moved"
    shutil.copytree(old, new)
    shutil.rmtree(old)
    q = Project.load(new / "model.lsproj")
    assert q.dataset is not None
    assert Path(q.dataset.path) == (new / "data" / "counts.csv").resolve()
    assert q.facts is not None and set(q.facts) == {"x1", "x2", "count"}
    assert [(pr.node_id, pr.code) for pr in q.validate()] == [
        (d, "loss-activation-incompatible")
    ]


def test_a_relative_dataset_path_is_resolved_beside_the_project(tmp_path: Path) -> None:
    document = changed(lambda doc: doc.update(dataset={"path": "sub/data.npz"}))
    p = Project.load(write(tmp_path, document))
    assert p.dataset is not None
    assert Path(p.dataset.path) == (tmp_path / "sub" / "data.npz").resolve()
    assert p.facts is None  # a missing dataset does not stop the project from opening


def test_a_project_whose_dataset_is_missing_still_validates_its_graph(tmp_path: Path) -> None:
    document = changed(lambda doc: doc.update(dataset={"path": "nowhere.csv"}))
    block(document, "d")["params"]["activation"] = "relu"
    block(document, "t")["params"]["loss"] = "poisson"
    p = Project.load(write(tmp_path, document))
    problems = {(pr.node_id, pr.code) for pr in p.validate()}
    assert problems == {
        ("e", "unconnected-port"), ("e", "dangling-block"), ("d", "loss-activation-incompatible"),
    }


# --- broken files --------------------------------------------------------------------------

BROKEN_TEXT: list[tuple[str, bytes, tuple[str, ...]]] = [
    (
        "malformed-json",
        b'{"format": "lossstudio.project",\n  "schema_version": 1,\n  "blocks": [,]\n}',
        ("line 3", "column 14", "JSON"),
    ),
    ("truncated", json.dumps(GOOD, indent=2).encode()[:200], ("line ", "column ", "JSON")),
    ("empty", b"", ("line 1", "column 1", "JSON")),
    ("not-utf8", b'{"format": "lossstudio.project\xff\xfe"}', ("UTF-8", "byte 30")),
    ("binary", bytes(range(256)), ("UTF-8",)),
    ("top-level-list", b"[1, 2, 3]", ("top level", "object")),
    ("top-level-string", b'"lossstudio.project"', ("top level",)),
]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        *parents, last = path.split("/")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


_DELETE = object()


def _loop(document: dict[str, Any]) -> None:
    """Feed the add's second input from the dense it feeds."""
    del document["links"][1]
    document["links"].append({"id": "loop", "source": "d", "target": "a", "port": 1})

BROKEN_DOCUMENTS: list[tuple[str, Callable[[dict[str, Any]], object], tuple[str, ...]]] = [
    ("wrong-format", _set("format", "keras.model"), ("'format'", "lossstudio.project")),
    ("missing-format", _set("format", _DELETE), ("'format'",)),
    ("missing-schema-version", _set("schema_version", _DELETE), ("'schema_version'",)),
    ("string-schema-version", _set("schema_version", "1"), ("'schema_version'",)),
    ("float-schema-version", _set("schema_version", 1.5), ("'schema_version'",)),
    ("bool-schema-version", _set("schema_version", True), ("'schema_version'",)),
    ("zero-schema-version", _set("schema_version", 0), ("'schema_version'",)),
    ("newer-schema-version", _set("schema_version", 99), ("schema version 99", "newer")),
    ("blocks-not-a-list", _set("blocks", {"x": {}}), ("'blocks'", "list")),
    ("links-not-a-list", _set("links", "x->d"), ("'links'", "list")),
    ("block-not-an-object", _set("blocks/1", "add"), ("blocks[1]",)),
    ("block-without-id", _set("blocks/2/id", _DELETE), ("blocks[2]", "'id'")),
    ("block-with-empty-id", _set("blocks/2/id", ""), ("blocks[2]", "'id'")),
    ("block-with-number-id", _set("blocks/2/id", 7), ("blocks[2]", "'id'")),
    ("duplicate-id", _set("blocks/4/id", "d"), ("block 'd'", "blocks[4]", "twice")),
    ("unknown-block-type", _set("blocks/2/type", "lstm"),
     ("block 'd'", "blocks[2]", "'lstm'", "dense")),
    ("missing-block-type", _set("blocks/2/type", _DELETE), ("block 'd'", "block type")),
    ("params-not-an-object", _set("blocks/2/params", [1]), ("block 'd'", "'params'")),
    ("unknown-parameter", _set("blocks/2/params/neurons", 4),
     ("block 'd'", "'neurons'", "units")),
    ("bad-parameter-choice", _set("blocks/2/params/activation", "bogus"),
     ("block 'd'", "activation", "'bogus'", "softplus")),
    ("bad-parameter-kind", _set("blocks/2/params/units", "four"), ("block 'd'", "units")),
    ("bad-parameter-list", _set("blocks/4/params", {"use_bias": 1}), ("block 'e'", "use_bias")),
    ("bad-position-length", _set("blocks/2/position", [1]), ("block 'd'", "'position'")),
    ("bad-position-kind", _set("blocks/2/position", "here"), ("block 'd'", "'position'")),
    ("bad-position-bool", _set("blocks/2/position", [True, 0]), ("block 'd'", "'position'")),
    ("link-not-an-object", _set("links/1", ["x", "a"]), ("links[1]",)),
    ("link-without-source", _set("links/3/source", _DELETE), ("links[3]", "'source'")),
    ("link-port-not-a-number", _set("links/3/port", "0"), ("link 'l4'", "links[3]", "'port'")),
    ("link-to-missing-block", _set("links/3/target", "ghost"),
     ("link 'l4'", "links[3]", "'ghost'")),
    ("link-from-missing-block", _set("links/0/source", "ghost"), ("link 'l1'", "'ghost'")),
    ("link-into-occupied-port", _set("links/1/port", 0),
     ("link 'l2'", "links[1]", "already connected")),
    ("link-to-missing-port", _set("links/1/port", 2), ("link 'l2'", "links[1]", "no input 3")),
    ("link-from-the-target", lambda doc: doc["links"].append(
        {"id": "l5", "source": "t", "target": "e", "port": 0}), ("link 'l5'", "no output")),
    ("link-making-a-cycle", _loop, ("link 'loop'", "links[3]", "cycle")),
    ("link-id-used-twice", _set("links/3/id", "l1"), ("link 'l1'", "links[3]")),
    ("link-id-is-a-block-id", _set("links/3/id", "x"), ("link 'x'", "links[3]")),
    ("bad-settings-value", _set("settings/epochs", 0), ("settings", "Epochs")),
    ("bad-settings-kind", _set("settings/optimizer", "adamx"), ("settings", "'adamx'")),
    ("unknown-setting", _set("settings/epoch", 10), ("settings", "'epoch'")),
    ("settings-not-an-object", _set("settings", [10]), ("'settings'",)),
    ("dataset-without-path", _set("dataset", {"features": {}}), ("'dataset'", "'path'")),
    ("dataset-path-not-a-string", _set("dataset", {"path": 3}), ("'dataset'", "'path'")),
    ("dataset-not-an-object", _set("dataset", "data.csv"), ("'dataset'",)),
    ("dataset-bad-features", _set("dataset", {"path": "d.csv", "features": [1]}),
     ("'features'",)),
]


def _check_refused(path: Path, words: tuple[str, ...]) -> ProjectFileError:
    before = path.read_bytes()
    listing = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(ProjectFileError) as info:
        Project.load(path)
    error = info.value
    message = str(error)
    assert path.name in message  # names the file ...
    for word in words:  # ... and the place in it
        assert word in message, (word, message)
    assert "\n" not in message and "Traceback" not in message
    assert error.source == str(path)
    assert path.read_bytes() == before  # never overwritten
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # nothing written beside
    return error


@pytest.mark.parametrize(
    ("name", "raw", "words"), BROKEN_TEXT, ids=[case[0] for case in BROKEN_TEXT]
)
def test_broken_text_is_refused_with_the_place(tmp_path: Path, name, raw: bytes, words) -> None:
    path = tmp_path / f"{name}.lsproj"
    path.write_bytes(raw)
    _check_refused(path, words)


@pytest.mark.parametrize(
    ("name", "change", "words"), BROKEN_DOCUMENTS, ids=[case[0] for case in BROKEN_DOCUMENTS]
)
def test_broken_document_is_refused_with_the_place(tmp_path: Path, name, change, words) -> None:
    document = copy.deepcopy(GOOD)
    change(document)
    _check_refused(write(tmp_path, document, f"{name}.lsproj"), words)


def test_at_least_fifteen_kinds_of_broken_file() -> None:
    assert len(BROKEN_TEXT) + len(BROKEN_DOCUMENTS) >= 15


def test_the_base_document_of_the_broken_cases_is_good(tmp_path: Path) -> None:
    problems = Project.load(write(tmp_path, GOOD)).validate()
    assert {(p.node_id, p.code) for p in problems} == {
        ("e", "unconnected-port"), ("e", "dangling-block"),
    }


def test_deeply_nested_json_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "deep.lsproj"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _check_refused(path, ("JSON", "deep"))


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    # Some Windows editors write UTF-8 with a byte-order mark; it is still UTF-8 JSON.
    path = tmp_path / "bom.lsproj"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode("utf-8"))
    assert list(Project.load(path).graph.nodes) == ["x", "a", "d", "t", "e"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="no such file"):
        Project.load(tmp_path / "absent.lsproj")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_is_not_a_project(tmp_path: Path) -> None:
    folder = tmp_path / "folder.lsproj"
    folder.mkdir()
    with pytest.raises(ProjectFileError, match="folder.lsproj"):
        Project.load(folder)


def test_a_failed_load_leaves_the_open_project_alone(tmp_path: Path) -> None:
    good = Project.load(write(tmp_path, GOOD, "good.lsproj"))
    before = graph_dump(good.graph)
    bad = write(tmp_path, changed(_set("links/3/target", "ghost")), "bad.lsproj")
    with pytest.raises(ProjectFileError):
        Project.load(bad)
    assert graph_dump(good.graph) == before
    assert good.path == (tmp_path / "good.lsproj").resolve()


def test_read_project_builds_the_requested_class(tmp_path: Path) -> None:
    class Custom(Project):
        pass

    loaded = read_project(write(tmp_path, GOOD), Custom)
    assert type(loaded) is Custom and "d" in loaded.graph.nodes


# --- atomic save ----------------------------------------------------------------------------


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    p = Project.load(write(tmp_path, GOOD, "a.lsproj"))
    p.settings.epochs = 99
    p.save()
    p.move("d", 5, 5)
    p.save(tmp_path / "b.lsproj")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.lsproj", "b.lsproj"]
    assert Project.load(tmp_path / "a.lsproj").settings.epochs == 99
    assert Project.load(tmp_path / "b.lsproj").graph.nodes["d"].position == (5.0, 5.0)


def test_overwriting_replaces_the_whole_file(tmp_path: Path) -> None:
    p = Project.load(write(tmp_path, GOOD, "a.lsproj"))
    p.remove("x", "a", "d", "e")
    p.save()
    q = Project.load(tmp_path / "a.lsproj")
    assert list(q.graph.nodes) == ["t"] and q.graph.links == {}


def test_a_failing_save_keeps_the_old_file(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD, "good.lsproj")
    before = good.read_bytes()
    p = Project.load(good)
    p.settings.epochs = 50
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file, not a folder", encoding="utf-8")
    with pytest.raises(ProjectFileError) as info:
        p.save(blocker / "p.lsproj")
    assert "p.lsproj" in str(info.value) and "\n" not in str(info.value)
    assert blocker.read_text(encoding="utf-8") == "a regular file, not a folder"
    assert good.read_bytes() == before
    assert p.path == good.resolve()  # still saves where it was
    assert sorted(path.name for path in tmp_path.iterdir()) == ["good.lsproj", "not-a-folder"]


def test_a_save_that_cannot_replace_leaves_no_temporary_file(tmp_path: Path) -> None:
    taken = tmp_path / "taken.lsproj"
    taken.mkdir()
    (taken / "inside.txt").write_text("keep", encoding="utf-8")
    p = Project.load(write(tmp_path, GOOD, "good.lsproj"))
    with pytest.raises(ProjectFileError, match="taken.lsproj"):
        p.save(taken)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["good.lsproj", "taken.lsproj"]
    assert (taken / "inside.txt").read_text(encoding="utf-8") == "keep"
    assert p.path == (tmp_path / "good.lsproj").resolve()
