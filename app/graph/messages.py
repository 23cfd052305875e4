"""Engine error messages -> messages for the user: no placeholder sizes, no internal names.

Shape checks run layers on small placeholder tensors whose unknown batch size is a sentinel
number and whose layers carry an internal name. Problems must speak of the node's label and
of `None` for the batch, as the canvas shows them.
"""

from __future__ import annotations

import re

NODE_TOKEN = "strata_node"   # the name checked layers get; replaced by the node's label


def _tuple_text(shape) -> str:
    items = ["None" if s is None else str(s) for s in shape]
    return "(" + ", ".join(items) + (",)" if len(items) == 1 else ")")


def _placeholder_shape(shape):
    from engine.layers.placeholders import _BATCH_SENTINEL, _DIM_SENTINEL

    return tuple((_BATCH_SENTINEL if i == 0 else _DIM_SENTINEL) if s is None else s for i, s in enumerate(shape))


def _param_texts(params) -> list:
    texts = []
    for value in (params or {}).values():
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, int) for v in value):
            texts += [_tuple_text(value), "[" + ", ".join(map(str, value)) + "]"]
        elif isinstance(value, dict):
            texts += _param_texts(value)
    return texts


def user_message(message: str, label: str, in_shapes=(), params=None) -> str:
    """`message` from the engine with placeholder shapes shown as the real ones (None for
    unknown sizes) and the internal layer name replaced by `label`. Tuples the user typed
    as parameters (`params`) are left as they are."""
    from engine.layers.placeholders import _BATCH_SENTINEL

    text = str(message)
    # "Exception encountered when calling layer "x" (Dense) on inputs of shape ...: why" -> why
    text = re.sub(r'Exception encountered when calling layer "[^"]*" \([^)]*\) on inputs of shape .*?: ', "",
                  text, count=1, flags=re.S)
    text = re.sub(rf'Layer "{NODE_TOKEN}"( \([A-Za-z0-9_]+\))?:\s*', "", text)
    text = re.sub(rf'"{NODE_TOKEN}"( \([A-Za-z0-9_]+\))?', lambda m: label, text)
    text = text.replace(NODE_TOKEN, label)
    for shape in in_shapes or ():
        if shape is None or not shape or shape[0] is not None:
            continue
        placeholder = _placeholder_shape(shape)
        for render in (_tuple_text, lambda s: "[" + ", ".join("None" if v is None else str(v) for v in s) + "]"):
            text = text.replace(render(placeholder), render(shape))
    # Any other shape whose first (batch) size is the sentinel: derived shapes inside the layer.
    sentinel = str(_BATCH_SENTINEL)
    kept = {}
    for i, kept_text in enumerate(sorted(set(_param_texts(params)), key=len, reverse=True)):
        if kept_text in text:
            kept[f"\x00{i}\x00"] = kept_text
            text = text.replace(kept_text, f"\x00{i}\x00")
    text = re.sub(rf"([(\[]){sentinel}(?=, ?(?:\d|None))", r"\1None", text)
    text = re.sub(rf"\bbatch size {sentinel}\b", "batch size None", text)
    for marker, kept_text in kept.items():
        text = text.replace(marker, kept_text)
    return text
