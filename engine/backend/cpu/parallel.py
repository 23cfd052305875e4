"""Split work over disjoint batch rows onto a few Python threads.

The recurrent time loops are a chain of small steps (one small GEMM and one compiled
kernel each), too small to split step by step: a multi-threaded BLAS call or a numba
parallel launch costs more than the step itself, and much more when the cores are busy.
Batch rows are independent through the whole sequence, though, so each thread runs the
complete time loop on its own rows with single-threaded BLAS; threads meet only once, at
the end. numpy's BLAS calls and the kernels (`nogil=True`) release the GIL.

The thread count is numba's configured count (NUMBA_NUM_THREADS, by default the number
of cores); `set_threads` changes it for these loops.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_threads: int | None = None

# Fewer rows than this per thread are not worth a thread.
MIN_ROWS_PER_THREAD = 8


def threads() -> int:
    """Threads the batch-parallel loops may use (at least 1)."""
    if _threads is not None:
        return _threads
    from numba import config

    return max(1, int(config.NUMBA_NUM_THREADS))


def set_threads(count) -> None:
    """Use `count` threads (a positive int) for batch-parallel loops; None restores the default."""
    global _threads
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"set_threads expects a positive integer or None. Received: {count!r}")
    _threads = count


def _executor(workers):
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < workers:
            old = _pool
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="engine-rows")
            _pool_size = workers
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def row_slices(batch, count=None, min_rows=MIN_ROWS_PER_THREAD):
    """Disjoint slices covering range(batch): one per thread, at least `min_rows` rows each."""
    count = threads() if count is None else count
    count = max(1, min(count, batch // max(min_rows, 1)))
    bounds = [batch * i // count for i in range(count + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(count)]


def over_rows(fn, batch, min_rows=MIN_ROWS_PER_THREAD):
    """Call fn(rows) for each slice of `row_slices(batch, min_rows=...)`, concurrently; re-raise
    the first error once every call has ended."""
    slices = row_slices(batch, min_rows=min_rows)
    if len(slices) == 1:
        fn(slices[0])
        return
    pool = _executor(len(slices) - 1)
    futures = [pool.submit(fn, rows) for rows in slices[1:]]
    error = None
    try:
        fn(slices[0])
    except BaseException as exc:  # wait for the others before propagating: they write shared arrays
        error = exc
    for future in futures:
        try:
            future.result()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


# A thread gets at least this many multiply-adds of a split GEMM.
MIN_MACS_PER_THREAD = 2**21


def matmul(a, b):
    """a @ b for 2-D arrays, the rows of `a` split over threads, each on single-threaded BLAS.

    For the tall GEMMs of whole-sequence and whole-batch ops (e.g. 3200x32 @ 32x512): on
    busy cores numpy's own BLAS threads lost 2-5x against one thread on these shapes."""
    from engine.backend.cpu.blas import single_threaded

    m, k = a.shape
    n = b.shape[1]
    out = np.empty((m, n), np.result_type(a.dtype, b.dtype))
    min_rows = max(1, -(-MIN_MACS_PER_THREAD // max(k * n, 1)))

    def work(rows):
        np.dot(a[rows], b, out=out[rows])

    with single_threaded():
        over_rows(work, m, min_rows=min_rows)
    return out
