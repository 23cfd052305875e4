"""Every built-in layer, by its Keras name.

Add a layer: write `engine/layers/<category>/<name>.py` with one `Layer` subclass (config
in `get_config`, a docstring with args and shapes), import it here and list it in
`CATEGORIES`. The canvas palette and the code exporter pick it up from this module.
"""

from engine.layers.layer import Layer
from engine.layers.input_spec import InputSpec
from engine.layers.core.input_layer import Input, InputLayer
from engine.layers.core.dense import Dense

# Category of each built-in layer, shown as palette sections in the app.
CATEGORIES: dict[str, str] = {
    "Dense": "Core",
}

__all__ = ["Layer", "InputSpec", "Input", "InputLayer", "Dense", "CATEGORIES"]
