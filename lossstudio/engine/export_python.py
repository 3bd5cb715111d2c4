"""A run's model as a standalone, readable PyTorch training script (engine layer).

``python_source`` writes one file that needs only numpy and torch: a ``Model``
(``nn.Module``) with one named attribute per block, created in the app's order with
the app's initialisers so that the same seed gives the same initial weights; the loss
of the Target block (fused with the last activation where the app fuses it); the
run's optimizer and schedule; and the fixed parts of ``export_script`` that load,
encode and split the data file and train as LossStudio's trainer does.
``export_python`` writes it and checks it: the file's ``Model`` with the checkpoint's
weights must give the app's predictions and the run's validation loss.
"""

from __future__ import annotations

import json
import keyword
import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lossstudio.core.graph import Node
from lossstudio.core.losses import LOSSES
from lossstudio.engine import export_script
from lossstudio.engine.export import ExportError, ExportReport, TrainedModel, max_abs_diff
from lossstudio.engine.export_script import (
    ACTIVATION_CODE,
    FUSED_LOSS_CODE,
    INITIALIZER_CODE,
    LOSS_CODE,
)
from lossstudio.engine.session import graph_of


def _literal(value: Any) -> str:
    """A Python literal of a string, or a list or dict of strings, in double quotes."""
    return json.dumps(value, ensure_ascii=False)


_RESERVED = set(dir(nn.Module)) | {"self", "logits", "torch", "nn", "F", "np", "x"}


def _identifier(name: str, taken: set[str]) -> str:
    """A Python identifier for ``name`` that is not reserved and not in ``taken``."""
    text = re.sub(r"\W", "_", name) or "feature"
    if text[0].isdigit() or keyword.iskeyword(text) or text in _RESERVED:
        text = f"{text}_"
    while text in taken:
        text = f"{text}_"
    taken.add(text)
    return text


class _ModelWriter:
    """Writes ``Model.__init__`` and ``Model.forward`` from a module's plan."""

    def __init__(self, trained: TrainedModel) -> None:
        module = trained.module
        graph = graph_of(trained.snapshot)
        by_name = {_layer_key(node_id): graph.nodes[node_id] for node_id in graph.nodes}
        taken: set[str] = set()
        self.init: list[str] = []
        self.forward: list[str] = []
        self.arguments: dict[str, str] = {}  # forward argument -> feature
        names: list[str] = []  # variable of each plan slot
        feature_args: dict[str, str] = {}
        for kind, name, _ in module._plan:
            if kind == "layer":
                taken.add(name)
        for feature in trained.feature_names:
            argument = _identifier(feature, taken)
            feature_args[feature] = argument
            self.arguments[argument] = feature
        last = len(module._plan) - 1
        self.fused = module.fused
        for index, (kind, name, sources) in enumerate(module._plan):
            if kind == "input":
                names.append(feature_args[name])
                continue
            node = by_name[name]
            args = [names[source] for source in sources]
            self._block(node, name, module.layers[name], args, fused=index == last and self.fused)
            names.append(name)
        if not self.fused:
            self.forward.append(f"return {names[-1]}")
        self.blocks = [name for kind, name, _ in module._plan if kind == "layer"]
        self.uses_channel_norm = any(
            node.type == "batch_normalization" for node in by_name.values()
            if _layer_key(node.id) in module.layers
        )

    def _block(self, node: Node, name: str, layer: Any, args: list[str], fused: bool) -> None:
        params = node.params
        x = args[0] if args else ""
        out = self.forward.append
        kind = node.type
        if kind == "dense":
            linear = layer.linear
            bias = "" if linear.bias is not None else ", bias=False"
            self.init.append(
                f"self.{name} = nn.Linear({linear.in_features}, {linear.out_features}{bias})"
            )
            self._initialise(name, params, linear.bias is not None)
            self._activated(name, f"self.{name}({x})", params["activation"], fused)
        elif kind == "conv2d":
            conv = layer.conv
            bias = "" if conv.bias is not None else ", bias=False"
            self.init.append(
                f"self.{name} = nn.Conv2d({conv.in_channels}, {conv.out_channels}, "
                f"{tuple(conv.kernel_size)}, {tuple(conv.stride)}, "
                f"padding={tuple(conv.padding)}{bias})"
            )
            self._initialise(name, params, conv.bias is not None)
            value = f"{x}.permute(0, 3, 1, 2)"  # channels-last images
            if layer.padding is not None:
                out(f"{name} = F.pad({value}, {layer.padding})  # TensorFlow-style 'same'")
                value = name
            out(f"{name} = self.{name}({value}).permute(0, 2, 3, 1)  # channels last")
            self._activated(name, name, params["activation"], fused)
        elif kind == "activation":
            self._activated(name, x, params["activation"], fused)
        elif kind == "max_pooling2d":
            value = f"{x}.permute(0, 3, 1, 2)"  # channels first
            if layer.padding is not None and any(layer.padding):
                out(f"{name} = F.pad({value}, {layer.padding}, value=-math.inf)  # 'same'")
                value = name
            out(f"{name} = F.max_pool2d({value}, {layer.pool}, {layer.strides})"
                ".permute(0, 2, 3, 1)")
        elif kind == "batch_normalization":
            momentum = float(params["momentum"])
            self.init.append(f"# Keras momentum {momentum!r}: torch's momentum is 1 - it")
            self.init.append(
                f"self.{name} = nn.BatchNorm1d({layer.norm.num_features}, "
                f"eps={float(params['epsilon'])!r}, momentum=1 - {momentum!r})"
            )
            out(f"{name} = channel_norm(self.{name}, {x})")
        elif kind == "dropout":
            self.init.append(f"self.{name} = nn.Dropout({float(params['rate'])!r})")
            out(f"{name} = self.{name}({x})")
        elif kind == "flatten":
            out(f"{name} = {x}.flatten(1)")
        elif kind == "reshape":
            shape = ", ".join(str(s) for s in layer.shape)
            out(f"{name} = {x}.reshape({x}.shape[0], {shape})")
        elif kind == "global_average_pooling2d":
            out(f"{name} = {x}.mean(dim=(1, 2))")
        elif kind == "embedding":
            embedding = layer.embedding
            self.init.append(f"self.{name} = nn.Embedding({embedding.num_embeddings}, "
                             f"{embedding.embedding_dim})")
            out(f"{name} = self.{name}({x}.long())")
        elif kind == "concatenate":
            joined = ", ".join(args) + ("," if len(args) == 1 else "")
            out(f"{name} = torch.cat(({joined}), dim={layer.axis})")
        elif kind == "add":
            out(f"{name} = {' + '.join(args)}")
        else:
            raise ExportError(f"block type {kind!r} cannot be written as Python yet")

    def _initialise(self, name: str, params: Mapping[str, Any], bias: bool) -> None:
        self.init.append(INITIALIZER_CODE[params["initializer"]].format(f"self.{name}.weight"))
        if bias:
            self.init.append(f"nn.init.zeros_(self.{name}.bias)")
        if not params["trainable"]:
            self.init.append(f"self.{name}.requires_grad_(False)  # not trainable")

    def _activated(self, name: str, value: str, activation: str, fused: bool) -> None:
        if fused:
            self.forward.append(f"{name} = {value}")
            self.forward.append(f"if logits:  # before {activation}: the loss fuses it")
            self.forward.append(f"    return {name}")
            self.forward.append(f"return {ACTIVATION_CODE[activation].format(name)}")
        elif value != name or activation != "linear":
            self.forward.append(f"{name} = {ACTIVATION_CODE[activation].format(value)}")


def _layer_key(node_id: str) -> str:
    from lossstudio.engine.model import layer_name

    return layer_name(node_id)


def _model_code(trained: TrainedModel, writer: _ModelWriter) -> str:
    module = trained.module
    loss = LOSSES[module.loss_id].label.lower()
    signature = ", ".join(f"{argument}: torch.Tensor" for argument in writer.arguments)
    if writer.fused:
        signature += ", logits: bool = False"
    blocks = textwrap.wrap(
        f"Blocks {', '.join(writer.blocks)} of the LossStudio canvas (inputs: "
        f"{', '.join(writer.arguments)}), trained with {loss} "
        f"on {module.target_feature!r}. Images are channels-last (height, width, channels), "
        "as in the data file.",
        width=88,
    )
    lines = [
        "class Model(nn.Module):",
        f'    """{blocks[0]}',
        *(f"    {line}" for line in blocks[1:]),
        '    """',
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *(f"        {line}" for line in writer.init),
        "",
        f"    def forward(self, {signature}) -> torch.Tensor:",
        f'        """The prediction after the last activation ({module.output_activation})."""',
        *(f"        {line}" for line in writer.forward),
    ]
    if not writer.init:
        lines.insert(lines.index("        super().__init__()") + 1, "        # no weights")
    return "\n".join(lines) + "\n"



def _loss_code(loss_id: str, fused: bool) -> str:
    label = LOSSES[loss_id].label
    header = (
        "def loss_per_example(\n"
        "    model: Model, inputs: dict[str, torch.Tensor], target: torch.Tensor\n"
        ") -> torch.Tensor:\n"
    )
    if fused:
        doc = f"{label} of each example, from the logits (numerically stable)."
        body = "logits = model(**inputs, logits=True)\n" + FUSED_LOSS_CODE[loss_id]
    else:
        doc = f"{label} of each example, from the predictions after the last activation."
        body = "prediction = model(**inputs)\n" + LOSS_CODE[loss_id]
    lines = [f'    """{doc}"""', *(f"    {line}" for line in body.splitlines())]
    mean = "return loss_per_example(model, inputs, target).mean()"
    if fused and loss_id == "categorical_crossentropy":
        mean = (
            "if target.dtype == torch.long:  # class indices\n"
            "        return F.cross_entropy(model(**inputs, logits=True), target)\n"
            f"    {mean}"
        )
    return (
        header + "\n".join(lines) + "\n\n\n" + header.replace("loss_per_example", "batch_loss")
        + '    """The mean loss of a batch: what the optimizer minimizes."""\n'
        + f"    {mean}\n"
    )


def _optimizer_code(settings: Mapping[str, Any]) -> str:
    name = settings["optimizer"]
    lr, eps, decay = settings["learning_rate"], settings["epsilon"], settings["weight_decay"]
    betas = f"betas=({settings['beta_1']!r}, {settings['beta_2']!r})"
    arguments = {
        "adam": ("Adam", f"{betas}, eps={eps!r}, weight_decay={decay!r}"),
        "amsgrad": ("Adam", f"{betas}, eps={eps!r}, weight_decay={decay!r}, amsgrad=True"),
        "adamw": ("AdamW", f"{betas}, eps={eps!r}, weight_decay={decay!r}"),
        "adamax": ("Adamax", f"{betas}, eps={eps!r}, weight_decay={decay!r}"),
        "nadam": ("NAdam", f"{betas}, eps={eps!r}, weight_decay={decay!r}"),
        "rmsprop": ("RMSprop", f"alpha={settings['rho']!r}, eps={eps!r}, "
                    f"momentum={settings['momentum']!r}, weight_decay={decay!r}"),
        "adadelta": ("Adadelta", f"rho={settings['rho']!r}, eps={eps!r}, weight_decay={decay!r}"),
        "adagrad": ("Adagrad", f"eps={eps!r}, weight_decay={decay!r}"),
        "sgd": ("SGD", f"momentum={settings['momentum']!r}, nesterov="
                f"{bool(settings['nesterov'] and settings['momentum'] > 0)}, "
                f"weight_decay={decay!r}"),
    }
    cls, rest = arguments[name]
    label = "AMSGrad (Adam)" if name == "amsgrad" else cls
    schedule = "return None  # a constant learning rate"
    if settings["lr_schedule"] == "exponential_decay":
        rate, steps = settings["decay_rate"], settings["decay_steps"]
        schedule = (
            "return torch.optim.lr_scheduler.LambdaLR(\n"
            f"        optimizer, lambda step: {rate!r} ** (step / {steps!r})\n    )"
        )
    return (
        "def make_optimizer(parameters: list[nn.Parameter]) -> torch.optim.Optimizer:\n"
        f'    """{label} with the run\'s settings."""\n'
        f"    return torch.optim.{cls}(\n        parameters, lr={lr!r}, {rest}\n    )\n\n\n"
        "def make_schedule(\n    optimizer: torch.optim.Optimizer\n"
        ") -> torch.optim.lr_scheduler.LRScheduler | None:\n"
        '    """The learning-rate schedule, stepped after every batch."""\n'
        f"    {schedule}\n"
    )


def _target_code(loss_id: str, output_shape: Sequence[int]) -> str:
    lines = [
        "def target_tensor(values: np.ndarray) -> torch.Tensor:",
        '    """Targets as the loss takes them."""',
    ]
    if loss_id == "categorical_crossentropy":
        lines += [
            '    if values.dtype.kind in "iu":  # class indices',
            "        return torch.from_numpy(np.ascontiguousarray(values.reshape(len(values))))"
            ".long()",
        ]
    lines += [
        "    values = values.astype(np.float32, copy=False)",
        "    return torch.from_numpy(np.ascontiguousarray(values.reshape(len(values), "
        "*OUTPUT_SHAPE)))",
    ]
    return "\n".join(lines) + "\n"


def _header(trained: TrainedModel, file_name: str, writer: _ModelWriter) -> str:
    from lossstudio._version import __version__

    run, module, settings = trained.run, trained.module, trained.settings
    epoch = f", epoch {trained.epoch}" if trained.epoch is not None else ""
    weights = run.checkpoint_path("best" if trained.checkpoint == "best" else "last")
    features = "\n".join(
        f"    {_literal(name)}: ({_literal(list(config['columns']))}, "
        f"{_literal(config['encoding'])}),"
        for name, config in trained.feature_configs.items()
    )
    imports = ["argparse", "csv", "math", "re", "time"]
    return f'''#!/usr/bin/env python3
"""{run.name}: a LossStudio model as plain PyTorch (needs only numpy and torch).

Exported by LossStudio {__version__} from run {run.id} ({trained.checkpoint} checkpoint{epoch}).
``Model`` is the network drawn in LossStudio; running this file trains it with the same
loss ({LOSSES[module.loss_id].label}), optimizer and settings on the same data file, so that
with the same seed on the same device its epoch losses match the app's run:

    python {file_name}                        # train {settings.epochs} epochs
    python {file_name} --epochs 5 --device cpu --history history.csv --save model.pt
    python {file_name} --epochs 0 --weights best.pt   # evaluate the app's weights

(the run's weights are in {trained.run.id}/checkpoints/{weights.name} of its runs folder).
"""

from __future__ import annotations

{chr(10).join(f"import {name}" for name in imports)}
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DATA_FILE = Path({_literal(str(trained.dataset_path))})
FEATURES = {{  # feature: (CSV columns or NPZ array, encoding)
{features}
}}
INPUTS = {_literal(writer.arguments)}  # Model.forward argument: feature
TARGET = {_literal(module.target_feature)}
OUTPUT_SHAPE = {tuple(module.output_shape)!r}
EPS = 1e-7  # clamp where a logarithm meets the edge of its domain (as Keras does)
SETTINGS = {{
    "epochs": {settings.epochs!r},
    "batch_size": {settings.batch_size!r},
    "validation_split": {settings.validation_split!r},
    "seed": {settings.seed!r},
    "device": {_literal(str(trained.run.settings.get("device", "auto")))},
    "early_stopping": {settings.early_stopping!r},
    "patience": {settings.patience!r},
}}
'''


def python_source(trained: TrainedModel, file_name: str = "model.py") -> str:
    """The standalone training script of ``trained`` (readable Python source)."""
    writer = _ModelWriter(trained)
    module = trained.module
    reader = (
        export_script.CSV_READER
        if trained.dataset_path.suffix.lower() == ".csv"
        else export_script.NPZ_READER
    )
    parts = [
        _header(trained, file_name, writer),
        "\n\n" + _model_code(trained, writer),
        export_script.CHANNEL_NORM if writer.uses_channel_norm else "",
        "\n\n" + _loss_code(module.loss_id, writer.fused),
        "\n\n" + _optimizer_code(trained.settings.to_dict()),
        "\n\n" + _target_code(module.loss_id, module.output_shape),
        reader,
        export_script.DATA,
        export_script.TRAINING,
    ]
    return "".join(parts)


def load_source(source: str, name: str = "lossstudio_export") -> dict[str, Any]:
    """Execute a generated script as a module (its ``main`` does not run)."""
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace


def export_python(trained: TrainedModel, path: str | Path) -> ExportReport:
    """Write the standalone script and check its model against the app's."""
    target = Path(path)
    source = python_source(trained, target.name)
    namespace = load_source(source)
    model = namespace["Model"]()
    weights = trained.run.checkpoint_path("best" if trained.checkpoint == "best" else "last")
    try:
        model.load_state_dict(namespace["load_weights"](weights))
    except RuntimeError as error:
        raise ExportError(f"the generated model does not fit the checkpoint: {error}") from None
    model.eval()
    arguments = {
        argument: trained.validation.inputs[feature]
        for argument, feature in namespace["INPUTS"].items()
    }
    with torch.no_grad():
        actual = model(**arguments)
        val_loss = namespace["evaluate"](
            model, (arguments, trained.validation.target), trained.settings.batch_size
        )
    diff = max_abs_diff(trained.reference(), actual)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    return ExportReport(
        "python", target, trained.run.path, trained.checkpoint, trained.epoch, diff,
        len(trained.validation), {"val_loss": val_loss, "fused": trained.module.fused},
    )
