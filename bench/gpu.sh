#!/usr/bin/env bash
# One prepared run on a lent GPU machine (H100/H200; PyTorch with CUDA, no network):
#   1. make numba's CUDA target importable (installing carried wheels from .whl/ if needed),
#   2. run the CUDA test suite on the real GPU (NUMBA_ENABLE_CUDASIM=0),
#   3. time W1-W4 on our CUDA backend, our CPU backend and PyTorch CUDA.
#
# Wheels to carry (the GPU machine has no network). On a machine with PyPI access, for the
# GPU machine's Python version (check with `python3 -V` there; 3.11 shown):
#   pip download --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 \
#       -d .whl "numba-cuda[cu12]"
# That fetches numba_cuda plus the NVIDIA wheels it needs to compile (nvidia-cuda-nvcc-cu12
# for libNVVM, nvidia-cuda-runtime-cu12, nvidia-nvjitlink-cu12). Add numpy, numba, scipy,
# h5py and pytest wheels the same way if the machine's Python lacks them (the script installs
# every wheel in .whl/). Carry the folder with the run (`carry: [".whl"]`; 64 MiB in all).
#
# Usage: bash bench/gpu.sh [--dry-run]    (--dry-run: CPU-only check of the script itself:
#        simulator tests and 2-batch workloads, no GPU needed)
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
status=0

if ! "$PY" -c "import numba_cuda, numpy, scipy, pytest" 2>/dev/null && [ "$DRY" = 0 ]; then
    if ls .whl/*.whl >/dev/null 2>&1; then
        echo "== installing the carried wheels in .whl/ (numba-cuda and its CUDA 12 toolkit wheels)"
        "$PY" -m pip install --no-index --find-links .whl .whl/*.whl || status=1
    else
        echo "numba_cuda (or numpy/scipy/pytest) is not importable and no wheels were carried in .whl/ (see the header)." >&2
        exit 2
    fi
fi

if [ "$DRY" = 1 ]; then
    export NUMBA_ENABLE_CUDASIM=1
else
    export NUMBA_ENABLE_CUDASIM=0
    "$PY" - <<'EOF' || exit 3
from engine.backend.cuda import unavailable_reason
reason = unavailable_reason()
print("CUDA:", reason or "available")
raise SystemExit(1 if reason else 0)
EOF
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi

echo "== CUDA tests (NUMBA_ENABLE_CUDASIM=$NUMBA_ENABLE_CUDASIM)"
start=$(date +%s)
"$PY" -m pytest tests/engine/cuda -q -x -p no:cacheprovider || status=1
echo "tests took $(( $(date +%s) - start )) s"

echo "== W1-W4 epoch times (seconds; best after a warm-up epoch)"
if [ "$DRY" = 1 ]; then
    # No GPU and no torch CUDA here, and the simulator runs a Python thread per CUDA thread,
    # far too slow for W1-W4 widths: check the script's plumbing on our CPU backend only.
    "$PY" bench/gpu_compare.py --dry-run --frameworks cpu,torch || status=1
else
    "$PY" bench/gpu_compare.py || status=1
fi
exit $status
