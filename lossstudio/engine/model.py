"""A validated graph as a ``torch.nn.Module`` (engine layer).

``GraphModule`` runs the blocks that lead to the Target in topological order. When the
last block is a Dense, Conv2D or Activation block whose activation pairs with the loss
in a fused form (softmax + categorical crossentropy, sigmoid + binary crossentropy),
``forward(inputs, logits=True)`` stops before that activation so the loss can be
computed stably from logits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from torch import Tensor, nn

from lossstudio.core.graph import Graph
from lossstudio.core.validator import effective_activation
from lossstudio.engine.activations import activation_function
from lossstudio.engine.layers import LOGIT_BLOCKS, Shape, build_layer
from lossstudio.engine.losses import can_fuse


def layer_name(node_id: str) -> str:
    """A module attribute name for a block id (``dense_1`` stays ``dense_1``)."""
    name = re.sub(r"\W", "_", node_id)
    return name if name and not name[0].isdigit() else f"block_{name}"


class GraphModule(nn.Module):
    """The model drawn on the canvas, with named layers in ``self.layers``."""

    def __init__(self, graph: Graph, shapes: Mapping[str, Shape | None], target_id: str) -> None:
        super().__init__()
        target = graph.nodes[target_id]
        self.loss_id: str = target.params["loss"]
        self.target_feature: str = target.params["feature"]
        (last,) = graph.predecessors(target_id)
        order = _needed_blocks(graph, last)
        slots = {node_id: index for index, node_id in enumerate(order)}
        self.layers = nn.ModuleDict()
        self._plan: list[tuple[str, str, tuple[int, ...]]] = []
        self.input_features: dict[str, str] = {}
        for node_id in order:
            node = graph.nodes[node_id]
            if node.type == "input":
                self.input_features[node_id] = node.params["feature"]
                self._plan.append(("input", node.params["feature"], ()))
                continue
            sources = graph.predecessors(node_id)
            in_shapes = [_known(shapes, source) for source in sources]
            name = layer_name(node_id)
            self.layers[name] = build_layer(
                node.type, node.params, in_shapes, _known(shapes, node_id)
            )
            self._plan.append(("layer", name, tuple(slots[source] for source in sources)))
        activation, _ = effective_activation(graph, last)
        self.output_activation: str = activation.id
        self.output_shape: Shape = _known(shapes, last)
        last_type = graph.nodes[last].type
        self.fused: bool = last_type in LOGIT_BLOCKS and can_fuse(self.loss_id, activation.id)
        self._activate = activation_function(activation.id)

    def forward(self, inputs: Mapping[str, Tensor], logits: bool = False) -> Tensor:
        """The model's output for a batch of features (pre-activation with ``logits``)."""
        values: list[Tensor] = []
        last = len(self._plan) - 1
        for index, (kind, name, sources) in enumerate(self._plan):
            if kind == "input":
                values.append(inputs[name])
                continue
            layer = self.layers[name]
            args = [values[source] for source in sources]
            if index == last and logits and self.fused:
                values.append(layer.forward(*args, logits=True))
            else:
                values.append(layer.forward(*args))
        return values[-1]

    def activate(self, output: Tensor) -> Tensor:
        """Apply the final activation to ``forward(..., logits=True)``'s output."""
        return self._activate(output) if self.fused else output


def _known(shapes: Mapping[str, Shape | None], node_id: str) -> Shape:
    shape = shapes.get(node_id)
    if shape is None:
        raise ValueError(f"the shape of block {node_id!r} is unknown; validate the model first")
    return shape


def _needed_blocks(graph: Graph, last: str) -> list[str]:
    """The blocks ``last`` depends on, inputs first, in an order fixed by the links' ports.

    A depth-first walk up the inputs in port order: unlike an order that follows the
    graph's (unordered) successor sets, it is the same in every process, so a seed gives
    the same initial weights everywhere and DDP ranks hold their parameters alike.
    """
    order: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[str, bool]] = [(last, False)]
    while stack:
        current, inputs_done = stack.pop()
        if inputs_done:
            order.append(current)
            continue
        if current in seen:
            continue
        seen.add(current)
        stack.append((current, True))
        stack.extend((source, False) for source in reversed(graph.predecessors(current)))
    return order
