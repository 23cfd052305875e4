"""Built-in regularization layers. Each layer lives in its own module; list it in `CATEGORY`."""

# Layer class name -> palette category, e.g. {"Conv2D": "Convolution"}.
CATEGORY: dict[str, str] = {}

__all__: list[str] = []
