"""Built-in merging layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.merging.concatenate import Concatenate
from engine.layers.merging.dot import Dot
from engine.layers.merging.elementwise import Add, Average, Maximum, Minimum, Multiply, Subtract

CATEGORY: dict[str, str] = {
    name: "Merging" for name in (
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    )
}

__all__ = list(CATEGORY)
