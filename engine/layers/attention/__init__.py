"""Built-in attention layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.attention.additive_attention import AdditiveAttention
from engine.layers.attention.attention import Attention
from engine.layers.attention.multi_head_attention import MultiHeadAttention

CATEGORY: dict[str, str] = {
    "Attention": "Attention",
    "AdditiveAttention": "Attention",
    "MultiHeadAttention": "Attention",
}

__all__ = list(CATEGORY)
