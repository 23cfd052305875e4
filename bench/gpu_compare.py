"""Epoch times of W1-W4 on our CUDA backend, our CPU backend and PyTorch CUDA (run by bench/gpu.sh).

W1 MLP 64-128-128-10 on 2048 samples; W2 CNN 28x28x1 Conv32-Pool-Conv64-Pool-Dense10 on 512;
W3 LSTM(128) over 50 steps of 32 features on 512; W4 the same with GRU. Batch 64, Adam(1e-3),
logits + sparse cross-entropy, random data with a fixed seed. Epoch time is the best of
`--repeats` after one warm-up epoch (which also compiles the kernels). A workload whose
layers our engine lacks prints "needs layer X". `--frameworks` picks columns; `--dry-run`
uses 2 batches of 2 samples per workload to check the script on a CPU-only machine.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

BATCH = 64
CLASSES = 10
# name: (description, samples, input shape, our layer builders, torch builder name)
WORKLOADS = {
    "W1": ("MLP 64-128-128-10", 2048, (64,)),
    "W2": ("CNN Conv32-Pool-Conv64-Pool-Dense10", 512, (28, 28, 1)),
    "W3": ("LSTM 128 units, 50 steps x 32 features", 512, (50, 32)),
    "W4": ("GRU 128 units, 50 steps x 32 features", 512, (50, 32)),
}


def _ours_layers(name, L):
    if name == "W1":
        return [L.Dense(128, activation="relu"), L.Dense(128, activation="relu"), L.Dense(CLASSES)]
    if name == "W2":
        return [L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"),
                L.MaxPooling2D(2), L.Flatten(), L.Dense(CLASSES)]
    cell = L.LSTM if name == "W3" else L.GRU
    return [cell(128), L.Dense(CLASSES)]


NEEDS = {"W1": ("Dense",), "W2": ("Conv2D", "MaxPooling2D", "Flatten", "Dense"), "W3": ("LSTM", "Dense"),
         "W4": ("GRU", "Dense")}


def _torch_model(name):
    import torch
    from torch import nn

    if name == "W1":
        return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, CLASSES))
    if name == "W2":
        body = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, CLASSES))

        class ChannelsLast(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = body

            def forward(self, x):
                return self.body(x.permute(0, 3, 1, 2))

        return ChannelsLast()
    recurrent = nn.LSTM if name == "W3" else nn.GRU

    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = recurrent(32, 128, batch_first=True)
            self.head = nn.Linear(128, CLASSES)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[:, -1])

    torch.manual_seed(0)
    return Recurrent()


def _data(name, samples):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples,) + WORKLOADS[name][2]).astype("float32")
    y = rng.integers(0, CLASSES, size=samples).astype("int64")
    return x, y


def ours_epochs(name, device, samples, repeats):
    """Best epoch seconds of our engine on `device`, or a string saying why it could not run."""
    from engine import keras

    missing = [layer for layer in NEEDS[name] if not hasattr(keras.layers, layer)]
    if missing:
        return f"needs layer {', '.join(missing)}"
    x, y = _data(name, samples)
    with keras.device(device):
        model = keras.Sequential([keras.Input(WORKLOADS[name][2])] + _ours_layers(name, keras.layers))
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
        times.append(time.perf_counter() - start)
    if device == "cuda":
        from engine.backend.cuda import stats

        stats.reset()
        model.train_on_batch(x[:BATCH], y[:BATCH])
        snap = stats.snapshot()
        print(f"  {name} cuda step: fallbacks={snap['fallback_names']} to_device={snap['bytes_to_device']}B "
              f"to_host={snap['bytes_to_host']}B", flush=True)
    return min(times[1:])


def torch_epochs(name, samples, repeats):
    """Best epoch seconds of PyTorch on CUDA."""
    import torch

    if not torch.cuda.is_available():
        return "torch sees no CUDA device"
    x, y = _data(name, samples)
    device = torch.device("cuda")
    model = _torch_model(name).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    times = []
    for _ in range(repeats + 1):
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(samples, device=device)
        for i in range(0, samples, BATCH):
            idx = order[i:i + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
            loss.item()  # our fit reads the loss every batch too
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times[1:])


def _fmt(value):
    return f"{value:10.4f}" if isinstance(value, float) else f"{'-':>10}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="W1,W2,W3,W4")
    parser.add_argument("--frameworks", default="cuda,cpu,torch")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--dry-run", action="store_true",
                        help="2 batches of 2 samples per workload, 1 repeat (for the CUDA simulator)")
    args = parser.parse_args(argv)
    global BATCH
    if args.dry_run:
        BATCH = 2
    frameworks = args.frameworks.split(",")
    print(f"{'workload':<9}{'cuda s':>10}{'cpu s':>10}{'torch s':>10}{'cpu/cuda':>10}{'cuda/torch':>11}  notes")
    failures = 0
    for name in args.only.split(","):
        samples = 2 * BATCH if args.dry_run else WORKLOADS[name][1]
        repeats = 1 if args.dry_run else args.repeats
        row, notes = {}, []
        for framework in ("cuda", "cpu", "torch"):
            if framework not in frameworks:
                continue
            try:
                if framework == "torch":
                    row[framework] = torch_epochs(name, samples, repeats)
                else:
                    row[framework] = ours_epochs(name, framework, samples, repeats)
            except Exception as exc:  # report and go on with the other columns
                failures += 1
                row[framework] = f"{type(exc).__name__}: {exc}"
            if isinstance(row[framework], str):
                notes.append(f"{framework}: {row[framework]}")
        cuda, cpu, torch_s = row.get("cuda"), row.get("cpu"), row.get("torch")
        speedup = cpu / cuda if isinstance(cpu, float) and isinstance(cuda, float) else None
        vs_torch = cuda / torch_s if isinstance(cuda, float) and isinstance(torch_s, float) else None
        print(f"{name:<9}{_fmt(cuda)}{_fmt(cpu)}{_fmt(torch_s)}{_fmt(speedup)} {_fmt(vs_torch)}  "
              f"{WORKLOADS[name][0]}; {'; '.join(notes)}", flush=True)
    print("targets: W2-W4 cpu/cuda >= 5 and cuda/torch <= 2")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
