"""The validator: everything wrong with a model, derived from the graph (core layer).

``analyze`` recomputes the whole report from the graph and, when a dataset is
attached, the facts about its features: inferred shapes, and the problems of SPEC §5
with stable codes. Nothing here is stored in the graph or the project file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lossstudio.core.activations import ACTIVATIONS, Activation
from lossstudio.core.blocks import BLOCKS, ActivationRole, BlockSpec
from lossstudio.core.facts import FeatureFacts
from lossstudio.core.graph import Graph
from lossstudio.core.losses import LOSSES, Fit, Loss, compatibility
from lossstudio.core.shapes import Shape, ShapeError, show


class Severity(StrEnum):
    """How bad a problem is: errors block training, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Stable problem codes (SPEC §5)."""

    INCOMPATIBLE = "loss-activation-incompatible"
    DISCOURAGED = "loss-activation-discouraged"
    MISSING_TARGET = "missing-target"
    MULTIPLE_TARGETS = "multiple-targets"
    MISSING_INPUT = "missing-input"
    UNCONNECTED_PORT = "unconnected-port"
    DANGLING_BLOCK = "dangling-block"
    SHAPE_MISMATCH = "shape-mismatch"
    UNKNOWN_FEATURE = "unknown-feature"
    TARGET_OUT_OF_DOMAIN = "target-out-of-domain"
    INVALID_PARAMETER = "invalid-parameter"


@dataclass(frozen=True)
class Problem:
    """One thing wrong: the block it concerns (or ``None``), severity, code, message."""

    node_id: str | None
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        where = f"[{self.node_id}] " if self.node_id else ""
        return f"{self.severity}: {where}{self.message} ({self.code})"


@dataclass(frozen=True)
class Analysis:
    """The validator's report: problems, and the inferred output shape of each block."""

    problems: tuple[Problem, ...]
    shapes: Mapping[str, Shape | None] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        """True when any problem is an error (training cannot start)."""
        return any(problem.severity is Severity.ERROR for problem in self.problems)

    def for_node(self, node_id: str) -> list[Problem]:
        """The problems that concern ``node_id``."""
        return [problem for problem in self.problems if problem.node_id == node_id]


def validate(graph: Graph, facts: Mapping[str, FeatureFacts] | None = None) -> list[Problem]:
    """The problems of ``graph`` (with data checks when ``facts`` is given)."""
    return list(analyze(graph, facts).problems)


def analyze(graph: Graph, facts: Mapping[str, FeatureFacts] | None = None) -> Analysis:
    """Recompute the full report of ``graph``."""
    return _Run(graph, facts).analysis()


def effective_activation(graph: Graph, node_id: str) -> tuple[Activation, str]:
    """The activation that decides what ``node_id`` can output, and the block owning it.

    Shape-only blocks pass the activation before them through; a merge keeps its inputs'
    activation when they all agree; any other block outputs any real value (linear).
    """
    current = node_id
    while True:
        node = graph.nodes[current]
        role = BLOCKS[node.type].activation_role
        if role is ActivationRole.OWN:
            return ACTIVATIONS[node.params["activation"]], current
        sources = graph.predecessors(current)
        if role is ActivationRole.PASS and len(sources) == 1:
            current = sources[0]
            continue
        if role is ActivationRole.MERGE and sources:
            found = {effective_activation(graph, source)[0] for source in sources}
            if len(found) == 1 and not (act := found.pop()).distribution:
                return act, current
        return ACTIVATIONS["linear"], current


def activation_message(loss: Loss, activation: Activation, fit: Fit) -> str:
    """The sentence the canvas shows for a loss/activation pair that does not fit."""
    fix = " or ".join(ACTIVATIONS[act].label for act in loss.recommended)
    if fit is Fit.INCOMPATIBLE:
        return (
            f"{loss.label} needs outputs {loss.domain.describe()}; "
            f"{activation.label} {loss.domain.escape(activation.range)}. Use {fix}."
        )
    if loss.needs_distribution:
        return (
            f"{loss.label} expects each example's outputs to sum to 1; "
            f"{activation.label} outputs do not. Use {fix}."
        )
    return (
        f"{loss.label} treats each label on its own; {activation.label} makes the labels "
        f"compete. Use {fix}."
    )


_RANGED = {type_id: spec.ranged_params for type_id, spec in BLOCKS.items()}


class _Run:
    """One validation pass over a graph."""

    def __init__(self, graph: Graph, facts: Mapping[str, FeatureFacts] | None) -> None:
        self.graph = graph
        self.facts = facts
        self.problems: list[Problem] = []
        self.shapes: dict[str, Shape | None] = {}
        self.bad_params: set[str] = set()
        self.ports: dict[str, dict[int, str]] = {node_id: {} for node_id in graph.nodes}
        self.children: dict[str, list[str]] = {node_id: [] for node_id in graph.nodes}
        for link in graph.links.values():
            self.ports[link.target][link.port] = link.source
            self.children[link.source].append(link.target)

    def sources(self, node_id: str) -> list[str]:
        """Blocks feeding ``node_id``, by port order."""
        ports = self.ports[node_id]
        if len(ports) < 2:
            return list(ports.values())
        return [ports[port] for port in sorted(ports)]

    def topological_order(self) -> list[str]:
        pending = {node_id: len(ports) for node_id, ports in self.ports.items()}
        ready = [node_id for node_id, count in pending.items() if count == 0]
        order: list[str] = []
        while ready:
            current = ready.pop()
            order.append(current)
            for child in self.children[current]:
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)
        return order

    def add(self, node_id: str | None, severity: Severity, code: Code, message: str) -> None:
        self.problems.append(Problem(node_id, severity, code.value, message))

    def analysis(self) -> Analysis:
        graph = self.graph
        for node_id, node in graph.nodes.items():
            self.check_params(node_id, BLOCKS[node.type], node.params)
            self.check_ports(node_id, BLOCKS[node.type])
        targets = [nid for nid, node in graph.nodes.items() if node.type == "target"]
        self.check_targets(targets)
        self.infer_shapes()
        for target in targets:
            self.check_target(target)
        return Analysis(tuple(self.problems), self.shapes)

    def check_params(self, node_id: str, spec: BlockSpec, params: Mapping[str, object]) -> None:
        for param in _RANGED[spec.type_id]:
            message = param.range_problem(params[param.name])
            if message:
                self.bad_params.add(node_id)
                self.add(node_id, Severity.ERROR, Code.INVALID_PARAMETER, f"{message}.")

    def check_ports(self, node_id: str, spec: BlockSpec) -> None:
        count = spec.input_count(self.graph.nodes[node_id].params)
        if node_id in self.bad_params:
            count = min(count, 16)
        links = self.ports[node_id]
        if len(links) == count:
            return
        for port in range(count):
            if port not in links:
                where = f"input {port + 1}" if count > 1 else "its input"
                self.add(
                    node_id, Severity.ERROR, Code.UNCONNECTED_PORT,
                    f"{spec.label} block {node_id!r} has nothing connected to {where}; "
                    "link a block's output to it.",
                )

    def check_targets(self, targets: list[str]) -> None:
        graph = self.graph
        if not targets:
            self.add(
                None, Severity.ERROR, Code.MISSING_TARGET,
                "The model has no Target block; add one and choose its loss.",
            )
        for extra in targets[1:]:
            self.add(
                extra, Severity.ERROR, Code.MULTIPLE_TARGETS,
                f"Only one Target block is supported; remove {extra!r} "
                f"(the first is {targets[0]!r}).",
            )
        reaching = {target: self.ancestors([target]) for target in targets}
        useful = set().union(*reaching.values())
        for node_id, node in graph.nodes.items():
            if node_id not in useful and node.type != "target":
                self.add(
                    node_id, Severity.WARNING, Code.DANGLING_BLOCK,
                    f"{BLOCKS[node.type].label} block {node_id!r} does not lead to the Target; "
                    "connect it or delete it.",
                )
        for target in targets:
            if not any(graph.nodes[n].type == "input" for n in reaching[target]):
                self.add(
                    target, Severity.ERROR, Code.MISSING_INPUT,
                    f"No Input block reaches Target {target!r}; connect an Input block to it.",
                )

    def ancestors(self, starts: list[str]) -> set[str]:
        seen = set(starts)
        stack = list(starts)
        while stack:
            for source in self.ports[stack.pop()].values():
                if source not in seen:
                    seen.add(source)
                    stack.append(source)
        return seen

    def feature(self, node_id: str) -> FeatureFacts | None:
        """The facts of the block's feature; reports ``unknown-feature`` when missing."""
        if self.facts is None:
            return None
        node = self.graph.nodes[node_id]
        name = node.params.get("feature", "")
        if not name:
            return None
        found = self.facts.get(name)
        if found is None:
            known = ", ".join(sorted(self.facts)) or "none"
            self.add(
                node_id, Severity.ERROR, Code.UNKNOWN_FEATURE,
                f"Feature {name!r} of block {node_id!r} is not in the dataset; "
                f"choose one of: {known}.",
            )
        return found

    def infer_shapes(self) -> None:
        graph = self.graph
        for node_id in self.topological_order():
            node = graph.nodes[node_id]
            spec = BLOCKS[node.type]
            if node.type == "input":
                found = self.feature(node_id)
                self.shapes[node_id] = found.shape if found else None
                continue
            inputs = [self.shapes.get(source) for source in self.sources(node_id)]
            complete = len(inputs) == spec.input_count(node.params)
            if spec.shape_rule is None or node_id in self.bad_params or not complete:
                self.shapes[node_id] = None
                continue
            if any(shape is None for shape in inputs):
                self.shapes[node_id] = None
                continue
            try:
                self.shapes[node_id] = spec.shape_rule(node.params, inputs)  # type: ignore[arg-type]
            except ShapeError as error:
                self.shapes[node_id] = None
                self.add(
                    node_id, Severity.ERROR, Code.SHAPE_MISMATCH,
                    f"{spec.label} block {node_id!r}: {error}",
                )

    def check_target(self, target: str) -> None:
        graph = self.graph
        node = graph.nodes[target]
        loss = LOSSES[node.params["loss"]]
        facts = self.feature(target)
        if facts is not None:
            self.check_target_domain(target, loss, facts)
        sources = self.sources(target)
        if not sources:
            return
        last = sources[0]
        activation, owner = effective_activation(graph, last)
        fit = compatibility(loss, activation)
        if fit is not Fit.FINE:
            severity = Severity.ERROR if fit is Fit.INCOMPATIBLE else Severity.WARNING
            code = Code.INCOMPATIBLE if fit is Fit.INCOMPATIBLE else Code.DISCOURAGED
            self.add(last, severity, code, activation_message(loss, activation, fit))
        shape = self.shapes.get(last)
        if facts is not None and shape is not None:
            expected = expected_output_shape(loss, facts)
            if shape != expected:
                self.add(
                    last, Severity.ERROR, Code.SHAPE_MISMATCH,
                    f"The last block {last!r} outputs {show(shape)} but target feature "
                    f"{facts.name!r} needs {show(expected)}; {_shape_fix(graph, last, expected)}",
                )

    def check_target_domain(self, target: str, loss: Loss, facts: FeatureFacts) -> None:
        if loss.task.value == "single_label":
            if facts.one_hot or _class_indices(facts):
                return
            self.add(
                target, Severity.ERROR, Code.TARGET_OUT_OF_DOMAIN,
                f"{loss.label} needs {loss.target_rule}, but feature {facts.name!r} is neither; "
                "encode it as one-hot or use whole-number class labels ≥ 0.",
            )
            return
        if loss.target_domain.contains_value(facts.minimum) and (
            loss.target_domain.contains_value(facts.maximum)
        ):
            return
        self.add(
            target, Severity.ERROR, Code.TARGET_OUT_OF_DOMAIN,
            f"{loss.label} needs targets {loss.target_domain.describe()}, but feature "
            f"{facts.name!r} ranges from {facts.minimum:g} to {facts.maximum:g}; "
            "choose another loss or fix the data.",
        )


def _class_indices(facts: FeatureFacts) -> bool:
    return (
        facts.integer_valued and facts.minimum >= 0 and facts.shape in ((), (1,))
        and facts.n_classes is not None
    )


def expected_output_shape(loss: Loss, facts: FeatureFacts) -> Shape:
    """The output shape the last block needs for the target feature and loss."""
    if loss.task.value == "single_label" and not facts.one_hot and _class_indices(facts):
        return (int(facts.n_classes or 0),)
    return facts.shape or (1,)


def _shape_fix(graph: Graph, last: str, expected: Shape) -> str:
    node = graph.nodes[last]
    if node.type == "dense" and len(expected) == 1:
        return f"set its units to {expected[0]}."
    if node.type == "conv2d" and len(expected) == 3:
        return f"set its filters to {expected[2]} and match the image size."
    return "change the blocks before the Target so the shapes agree."
