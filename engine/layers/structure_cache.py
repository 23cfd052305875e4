"""A per-run memo of each layer's sublayers and own variables (see `structure_cache`)."""

from __future__ import annotations

import threading

_structure = threading.local()


class structure_cache:
    """Within this context each layer's sublayers and own variables are found once.

    `fit`, `evaluate` and `predict` run their loops inside it: every step asks for
    `trainable_weights`, `losses` and `metrics`, and walking the attribute tree each time
    would cost more than the small models' arithmetic. Assigning a layer, variable or
    container attribute, or `add_weight`, forgets what was found.
    """

    def __enter__(self):
        self._outer = getattr(_structure, "memo", None)
        if self._outer is None:
            _structure.memo = {}
        return self

    def __exit__(self, *exc):
        if self._outer is None:
            _structure.memo = None
        return False


def _forget_structure() -> None:
    memo = getattr(_structure, "memo", None)
    if memo:
        memo.clear()
