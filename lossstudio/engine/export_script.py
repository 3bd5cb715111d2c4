'''The fixed parts of an exported standalone training script (engine layer).

``export_python`` writes a file made of generated parts (the ``Model`` class, the loss,
the optimizer, the data and settings constants) and these fixed parts, which re-do
with plain numpy and torch what LossStudio's data layer and trainer do: read the data
file, encode the features with statistics over all examples, split with the same
seeded permutation, and train in the same seeded batch order. Keep them in step with
``lossstudio.data`` and ``lossstudio.engine.trainer``; the export tests compare the
epoch losses of a script with the app's run.
'''

from __future__ import annotations

ACTIVATION_CODE: dict[str, str] = {
    "linear": "{}",
    "relu": "F.relu({})",
    "leaky_relu": "F.leaky_relu({}, negative_slope=0.2)",
    "elu": "F.elu({})",
    "selu": "F.selu({})",
    "gelu": "F.gelu({})",
    "swish": "F.silu({})",
    "softplus": "F.softplus({})",
    "exponential": "torch.exp({})",
    "sigmoid": "torch.sigmoid({})",
    "hard_sigmoid": "F.hardsigmoid({})",
    "tanh": "torch.tanh({})",
    "softsign": "F.softsign({})",
    "softmax": "torch.softmax({}, dim=-1)",
}

INITIALIZER_CODE: dict[str, str] = {
    "glorot_uniform": "nn.init.xavier_uniform_({})",
    "glorot_normal": "nn.init.xavier_normal_({})",
    "he_uniform": 'nn.init.kaiming_uniform_({}, nonlinearity="relu")',
    "he_normal": 'nn.init.kaiming_normal_({}, nonlinearity="relu")',
    "lecun_uniform": 'nn.init.kaiming_uniform_({}, nonlinearity="linear")',
    "lecun_normal": 'nn.init.kaiming_normal_({}, nonlinearity="linear")',
    "zeros": "nn.init.zeros_({})",
    "ones": "nn.init.ones_({})",
}

LOSS_CODE: dict[str, str] = {  # body after "prediction = model(**inputs)"
    "categorical_crossentropy": (
        "if target.dtype == torch.long:  # class indices -> one-hot\n"
        "    target = F.one_hot(target, prediction.shape[-1]).to(prediction.dtype)\n"
        "log_p = torch.log(prediction.clamp(EPS, 1 - EPS))\n"
        "return mean_per_example(-(target * log_p).sum(dim=-1))"
    ),
    "binary_crossentropy": (
        "p = prediction.clamp(EPS, 1 - EPS)\n"
        "return mean_per_example(-(target * torch.log(p) + (1 - target) * torch.log1p(-p)))"
    ),
    "squared_hinge": (
        "zero_one = ((target == 0) | (target == 1)).all()\n"
        "target = torch.where(zero_one, 2 * target - 1, target)  # 0/1 targets -> -1/+1\n"
        "return mean_per_example((1 - target * prediction).clamp(min=0).square())"
    ),
    "mean_squared_error": "return mean_per_example((target - prediction).square())",
    "mean_absolute_error": "return mean_per_example((target - prediction).abs())",
    "mean_squared_logarithmic_error": (
        "log_y = torch.log1p(target.clamp(min=EPS - 1))\n"
        "log_p = torch.log1p(prediction.clamp(min=EPS - 1))\n"
        "return mean_per_example((log_y - log_p).square())"
    ),
    "poisson": "return mean_per_example(prediction - target * torch.log(prediction + EPS))",
}

FUSED_LOSS_CODE: dict[str, str] = {  # after "logits = model(**inputs, logits=True)"
    "categorical_crossentropy": (
        "if target.dtype == torch.long:  # class indices\n"
        '    return F.cross_entropy(logits, target, reduction="none")\n'
        "return mean_per_example(-(target * torch.log_softmax(logits, dim=-1)).sum(dim=-1))"
    ),
    "binary_crossentropy": (
        'losses = F.binary_cross_entropy_with_logits(logits, target, reduction="none")\n'
        "return mean_per_example(losses)"
    ),
}


CHANNEL_NORM = '''

def channel_norm(norm: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    """Batch normalization over the last (channel) axis, as Keras does it."""
    flat = x.reshape(-1, x.shape[-1])
    if norm.training and flat.shape[0] == 1:  # one value per channel: Keras gives beta
        return (flat * 0 + norm.bias).reshape(x.shape)
    return norm(flat).reshape(x.shape)
'''

CSV_READER = '''

def read_columns(path: Path, wanted: set[str]) -> dict[str, np.ndarray]:
    """The ``wanted`` columns of a CSV file by header name.

    Numbers become float64 (int64 when every value is a whole number written without a
    decimal point); a text column becomes the indices of its sorted distinct values.
    """
    with open(path, encoding="utf-8-sig", newline="") as file:
        rows = [
            [value.strip() for value in row]
            for row in csv.reader(file)
            if row and not (len(row) == 1 and not row[0].strip())
        ]
    header, body = rows[0], rows[1:]
    columns: dict[str, np.ndarray] = {}
    for i, name in enumerate(header):
        if name not in wanted:
            continue
        texts = [row[i] for row in body]
        try:
            values = np.array(texts, dtype=np.float64)
        except ValueError:  # text: category indices
            categories = {text: k for k, text in enumerate(sorted(set(texts)))}
            columns[name] = np.array([categories[text] for text in texts], dtype=np.int64)
            continue
        if not np.isfinite(values).all():
            raise SystemExit(f"{path}: column {name!r} has missing or infinite values")
        integer = all(text.lstrip("+-").isdigit() for text in texts)
        columns[name] = values.astype(np.int64) if integer else values
    missing = wanted - set(columns)
    if missing:
        raise SystemExit(f"{path}: no column(s) {', '.join(sorted(missing))}")
    return columns


def raw_feature(columns: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    """A feature's raw values: its columns side by side, shape (examples, columns)."""
    return np.stack([columns[name] for name in names], axis=1)
'''

NPZ_READER = '''

def read_columns(path: Path, wanted: set[str]) -> dict[str, np.ndarray]:
    """The ``wanted`` arrays of an .npz file (an .npy file is one array named after it)."""
    if path.suffix.lower() == ".npy":
        return {path.stem: np.load(path, allow_pickle=False)}
    with np.load(path, allow_pickle=False) as npz:
        missing = wanted - set(npz.files)
        if missing:
            raise SystemExit(f"{path}: no array(s) {', '.join(sorted(missing))}")
        return {name: npz[name] for name in wanted}


def raw_feature(columns: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    """A feature's raw values: its array, examples on the first axis."""
    (name,) = names
    return columns[name]
'''

DATA = '''

def encode(raw: np.ndarray, encoding: str) -> np.ndarray:
    """Apply an encoding; statistics are over all examples, per column or channel."""
    if encoding == "none":
        return raw.astype(np.int64 if raw.dtype.kind in "iub" else np.float32)
    if encoding == "one_hot":  # class indices 0, 1, 2, ... become one-hot rows
        index = raw.reshape(len(raw)).astype(np.int64)
        one_hot = np.zeros((len(index), int(index.max()) + 1), dtype=np.float32)
        one_hot[np.arange(len(index)), index] = 1.0
        return one_hot
    x = raw.astype(np.float64)
    axes = tuple(range(x.ndim - 1)) if x.ndim >= 2 else (0,)
    if encoding == "standardize":
        std = x.std(axis=axes)
        return ((x - x.mean(axis=axes)) / np.where(std == 0, 1.0, std)).astype(np.float32)
    if encoding == "min_max":
        low = x.min(axis=axes)
        span = x.max(axis=axes) - low
        return ((x - low) / np.where(span == 0, 1.0, span)).astype(np.float32)
    raise SystemExit(f"unknown encoding {encoding!r}")


def split_indices(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices: the first round(n * fraction) of a seeded permutation
    validate (at least one example, and at most n - 1)."""
    n_val = min(max(round(n * fraction), 1), n - 1)
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


Split = tuple[dict[str, torch.Tensor], torch.Tensor]


def load_data(path: Path, seed: int, device: torch.device) -> tuple[Split, Split]:
    """The training and validation splits as tensors on ``device``."""
    wanted = {column for columns, _ in FEATURES.values() for column in columns}
    columns = read_columns(path, wanted)
    arrays = {
        name: encode(raw_feature(columns, names), encoding)
        for name, (names, encoding) in FEATURES.items()
    }
    train_index, val_index = split_indices(
        len(arrays[TARGET]), SETTINGS["validation_split"], seed
    )

    def tensors(index: np.ndarray) -> Split:
        inputs = {
            argument: torch.from_numpy(
                np.ascontiguousarray(arrays[feature][index], dtype=np.float32)
            ).to(device)
            for argument, feature in INPUTS.items()
        }
        return inputs, target_tensor(arrays[TARGET][index]).to(device)

    return tensors(train_index), tensors(val_index)
'''

TRAINING = '''

def mean_per_example(values: torch.Tensor) -> torch.Tensor:
    """Average over every axis but the first (batch) axis."""
    return values.flatten(1).mean(dim=1) if values.dim() > 1 else values


def batch_of(data: Split, index: torch.Tensor | slice) -> Split:
    """The examples at ``index``."""
    inputs, target = data
    return {name: value[index] for name, value in inputs.items()}, target[index]


def train_epoch(
    model: Model,
    data: Split,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler | None,
    batch_size: int,
    generator: torch.Generator,
) -> float:
    """One pass over the training data in a seeded random order; the mean example loss."""
    model.train()
    n = len(data[1])
    device = data[1].device
    order = torch.randperm(n, generator=generator).to(device)
    n_batches = max(1, -(-n // batch_size))
    means = []
    for batch in range(n_batches):
        inputs, target = batch_of(data, order[batch * batch_size : (batch + 1) * batch_size])
        loss = batch_loss(model, inputs, target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if schedule is not None:
            schedule.step()
        means.append(loss.detach())
    batch_means = torch.stack(means).double()
    sizes = torch.full_like(batch_means, float(batch_size))
    sizes[-1] = n - batch_size * (n_batches - 1)
    return float((batch_means * sizes).sum()) / float(sizes.sum())


@torch.no_grad()
def evaluate(model: Model, data: Split, batch_size: int) -> float:
    """The mean example loss on ``data`` (dropout off, batch-norm statistics frozen)."""
    model.eval()
    n = len(data[1])
    size = max(batch_size, 1024)
    total = torch.zeros((), dtype=torch.float64, device=data[1].device)
    for start in range(0, n, size):
        inputs, target = batch_of(data, slice(start, start + size))
        total += loss_per_example(model, inputs, target).sum()
    return float(total) / max(n, 1)


def fit(
    model: Model, train: Split, validation: Split, epochs: int, batch_size: int, seed: int
) -> list[tuple[int, float, float]]:
    """Train for ``epochs`` epochs; returns (epoch, train_loss, val_loss) rows."""
    optimizer = make_optimizer([p for p in model.parameters() if p.requires_grad])
    schedule = make_schedule(optimizer)
    generator = torch.Generator().manual_seed(seed)
    best, patience_left = math.inf, SETTINGS["patience"]
    rows = []
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        train_loss = train_epoch(model, train, optimizer, schedule, batch_size, generator)
        val_loss = evaluate(model, validation, batch_size)
        if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
            raise SystemExit(f"the loss became {train_loss} / {val_loss} at epoch {epoch}")
        rows.append((epoch, train_loss, val_loss))
        seconds = time.perf_counter() - started
        print(f"epoch {epoch}/{epochs}  train_loss {train_loss:.6g}  "
              f"val_loss {val_loss:.6g}  ({seconds:.1f} s)", flush=True)
        if val_loss < best:
            best, patience_left = val_loss, SETTINGS["patience"]
        else:
            patience_left -= 1
        if SETTINGS["early_stopping"] and patience_left <= 0:
            print(f"early stopping: no better val_loss for {SETTINGS['patience']} epochs")
            break
    return rows


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """A state dict saved with --save, or a LossStudio checkpoint (its names mapped)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    pattern = r"^layers\\.(\\w+)\\.(?:linear|conv|norm|embedding)\\."
    return {re.sub(pattern, r"\\1.", key): value for key, value in state.items()}


def resolve_device(name: str) -> torch.device:
    """``auto``: the GPU when there is one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def main(argv: list[str] | None = None) -> None:
    """Train (or, with --epochs 0, evaluate) the model from the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_FILE,
                        help="the dataset file (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--batch-size", type=int, default=SETTINGS["batch_size"])
    parser.add_argument("--seed", type=int, default=SETTINGS["seed"],
                        help="seeds the split, the initial weights and the batch order")
    parser.add_argument("--device", default=SETTINGS["device"], help="auto, cpu, cuda, cuda:1")
    parser.add_argument("--threads", type=int, help="CPU threads for torch")
    parser.add_argument("--weights", type=Path,
                        help="start from a LossStudio checkpoint or a file saved by --save")
    parser.add_argument("--save", type=Path, help="write the trained weights here")
    parser.add_argument("--history", type=Path, help="write the epoch losses here (CSV)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    train, validation = load_data(args.data, args.seed, device)
    torch.manual_seed(args.seed)  # the same initial weights as LossStudio
    model = Model().to(device)
    if args.weights:
        model.load_state_dict(load_weights(args.weights))
    rows = fit(model, train, validation, args.epochs, args.batch_size, args.seed)
    if args.epochs == 0:
        print(f"val_loss {evaluate(model, validation, args.batch_size):.6g}")
    if args.history:
        with open(args.history, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["epoch", "train_loss", "val_loss"])
            writer.writerows((epoch, repr(t), repr(v)) for epoch, t, v in rows)
    if args.save:
        torch.save(model.state_dict(), args.save)
        print(f"saved the weights to {args.save}")


if __name__ == "__main__":
    main()
'''
