"""A compiled kernel cache built with the installation, copied into an empty user cache.

A fresh process with an empty numba cache compiles every kernel its first batch calls:
2-10 s per benchmark workload on the 2-core dev machine, against well under a second
when the kernels load from the cache. So set-up (`make setup`, which `make run`, `make
test` and `make bench` run first) compiles every kernel once into `SHIPPED_BASE`, a
folder inside this package (`python -m engine.backend.ship_kernels`), and when
the CPU backend loads with a cache folder that has never been filled (a new user, a new
NUMBA_CACHE_DIR, a new kernel version), `seed` copies the shipped files of this version
into it first: about 4 MB, some tens of milliseconds, once.

Why this is safe: the shipped folder has the same versioned name as the user's
(`kernel_cache.versioned_dir`, a hash of the kernel sources), so changed kernels are never
seeded, and numba itself checks each index against the timestamp of its source file and
each entry against the CPU it was compiled for. A copy from another machine or another
checkout is therefore ignored by numba entry by entry (those kernels compile as before),
never run. Files the user folder already has are left alone.

Set STRATA_NO_SHIPPED_KERNELS=1 to measure or test a truly cold cache.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

SHIPPED_BASE = Path(__file__).parent / "_compiled"
DISABLE_ENV = "STRATA_NO_SHIPPED_KERNELS"
COMPLETE = "strata-shipped-complete.json"  # written into the shipped folder after a full warm-up
SEEDED = "strata-seeded"  # left in a user folder once it was seeded (or found not to need it)


def disabled() -> bool:
    """Whether STRATA_NO_SHIPPED_KERNELS turns seeding off."""
    return os.environ.get(DISABLE_ENV, "").strip() not in ("", "0")


def shipped_dir(target: Path, base: Path | None = None) -> Path:
    """The shipped folder for the kernel version of the user folder `target`."""
    return Path(base or SHIPPED_BASE) / Path(target).name


def seed(target, base: Path | None = None) -> int:
    """Copy the complete shipped cache of `target`'s version into `target`, kernel by kernel
    (an index and its data files), skipping kernels `target` has an index for; returns how
    many files were copied. Never raises for I/O: a
    cache that cannot be seeded only means kernels compile on first use."""
    target = Path(target)
    source = shipped_dir(target, base)
    if disabled() or (target / SEEDED).exists() or not (source / COMPLETE).is_file():
        return 0
    try:
        if source.resolve() == target.resolve():
            return 0
        copied = 0
        for index in sorted(source.rglob("*.nbi")):
            folder = target / index.parent.relative_to(source)
            if (folder / index.name).exists():
                continue  # this kernel's own index (and its entries) stay as they are
            data = sorted(index.parent.glob(index.name[: -len(".nbi")] + ".*.nbc"))
            folder.mkdir(parents=True, exist_ok=True)
            for path in data + [index]:  # the index last: it names the data files
                temp = folder / f"{path.name}.{os.getpid()}.tmp"
                shutil.copyfile(path, temp)
                os.replace(temp, folder / path.name)  # a process loading the cache sees whole files only
                copied += 1
        (target / SEEDED).write_text(json.dumps({"from": str(source), "files": copied}), encoding="utf-8")
        return copied
    except OSError:
        return 0


def build(workers=None, base: Path | None = None) -> Path:
    """Compile every kernel into the shipped folder of this kernel version and mark it complete.

    Must run in a process whose numba has not loaded yet (`engine.backend.ship_kernels`)."""
    from engine.backend.cpu import kernel_cache, warmup

    os.environ["NUMBA_CACHE_DIR"] = str(Path(base or SHIPPED_BASE))
    os.environ[DISABLE_ENV] = "1"  # never seed the shipped folder from itself
    folder = kernel_cache.use_versioned_cache_dir()
    warmup.run(workers=workers)
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f"{COMPLETE}.{os.getpid()}.tmp"
    temp.write_text(json.dumps({"kernels": folder.name}), encoding="utf-8")
    os.replace(temp, folder / COMPLETE)
    prune_other_versions(folder)
    return folder


def prune_other_versions(keep: Path) -> list:
    """Delete the shipped folders of other kernel versions next to `keep` (this package's own
    folder: unlike a user cache base, no other checkout shares it); returns their names."""
    from engine.backend.cpu.kernel_cache import PREFIX

    removed = []
    for folder in Path(keep).parent.glob(PREFIX + "*"):
        if folder.is_dir() and folder.name != Path(keep).name:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return sorted(removed)
