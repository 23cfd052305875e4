"""`python -m bench`: our engine against PyTorch CPU, 2 threads each, side by side.

Prints per workload: epoch time (best of 3 after a warm-up epoch) for both and their
ratio; first-batch latency in a fresh process with a cold, a shipped-seeded and a warm kernel
cache (`bench.first_batch`); peak memory of a one-epoch training run in its own process; each
workload's roofline fraction (its training FLOP/s against numpy GEMM FLOP/s on the same shapes,
`bench/roofline.py`); and the Dense forward+backward FLOP/s as a fraction of numpy matmul.
`--only W1,W3` picks workloads; `--quick` skips the subprocess probes.
"""

from __future__ import annotations

import sys as _sys

from bench.threads import pin_threads

# --threads must act before numpy, numba or torch load
_threads = next((int(a.split("=", 1)[1]) for a in _sys.argv if a.startswith("--threads=")), 2)
pin_threads(_threads)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402


def _probe(kind, name, framework, env_extra=None):
    """Run bench.probe in a fresh process with the same thread settings; its JSON result."""
    env = dict(os.environ)
    env.update(env_extra or {})
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-m", "bench.probe", kind, name, framework, str(_threads)], capture_output=True,
                          text=True, env=env, cwd=root, timeout=600)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", help="comma-separated workload names (default: all)")
    parser.add_argument("--quick", action="store_true", help="skip the memory and first-batch subprocess probes")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for every pool (numba, BLAS, torch); write --threads=N (default 2)")
    args = parser.parse_args(argv)

    import torch

    from bench.threads import pin_torch
    from bench.train import best_epoch_times
    from bench.workloads import REGISTRY

    pin_torch(args.threads)
    names = args.only.split(",") if args.only else list(REGISTRY)
    print(f"threads: NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, torch.get_num_threads()="
          f"{torch.get_num_threads()}; batch 64, Adam; epoch time = best of 3 after a warm-up epoch")
    print(f"{'workload':<9}{'ours s/epoch':>14}{'torch s/epoch':>15}{'ours/torch':>12}")
    runnable, epochs = [], {}
    for name in names:
        workload = REGISTRY[name]
        missing = workload.missing_layers()
        if missing:
            print(f"{name:<9}needs layer {', '.join(missing)}  ({workload.description})")
            continue
        ours, theirs = best_epoch_times(workload)
        print(f"{name:<9}{ours:>14.4f}{theirs:>15.4f}{ours / theirs:>12.2f}  ({workload.description})")
        runnable.append(name)
        epochs[name] = {"ours": ours, "torch": theirs}

    from bench.roofline import roofline

    print("\nroofline: training FLOP/s (im2col GEMMs of forward + backward) vs numpy GEMM on the same shapes")
    print(f"{'workload':<9}{'GFLOP/epoch':>12}{'numpy GFLOP/s':>15}{'ours GFLOP/s':>14}{'ours frac':>11}"
          f"{'torch GFLOP/s':>15}{'torch frac':>12}")
    for name in runnable:
        r = roofline(REGISTRY[name], epochs[name])
        print(f"{name:<9}{r['gflop_per_epoch']:>12.2f}{r['numpy_gflops']:>15.1f}{r['ours_gflops']:>14.1f}"
              f"{r['ours_fraction']:>11.2f}{r['torch_gflops']:>15.1f}{r['torch_fraction']:>12.2f}")

    if not args.quick:
        from bench.first_batch import report

        print()
        report(runnable, _threads)
        print("torch first batch (s), fresh process: " + ", ".join(
            f"{name} {_fmt(_probe('first_batch', name, 'torch'), 'seconds')}" for name in runnable))
        print("\nmemory of one training epoch after one warm-up batch, own process (MiB: peak RSS / growth)")
        print(f"{'workload':<9}{'ours':>18}{'torch':>18}")
        for name in runnable:
            ours_mem, torch_mem = _probe("memory", name, "ours"), _probe("memory", name, "torch")
            print(f"{name:<9}{_mem(ours_mem):>18}{_mem(torch_mem):>18}")

    from bench.dense_flops import measure

    print("\nDense forward+backward (relu, float32) vs numpy matmul on the same shapes")
    print("(ours: op + GradientTape as in training; kernels: the two CPU kernels called directly)")
    print(f"{'batch x in x out':<20}{'ours GFLOP/s':>14}{'numpy GFLOP/s':>15}{'fraction':>10}{'kernels':>9}")
    for batch, n_in, n_out, ours_gf, np_gf, fraction, kernels in measure():
        print(f"{f'{batch}x{n_in}x{n_out}':<20}{ours_gf:>14.2f}{np_gf:>15.2f}{fraction:>10.2f}{kernels:>9.2f}")


def _fmt(result, key):
    return f"{result[key]:.3f}" if key in result else "error"


def _mem(result):
    if "peak_rss_mib" not in result:
        return "error"
    return f"{result['peak_rss_mib']:.0f} / {result['growth_mib']:.1f}"


if __name__ == "__main__":
    main()
