"""`Permute`: reorders the non-batch axes."""

from __future__ import annotations

from engine import ops
from engine.layers.layer import Layer


class Permute(Layer):
    """Permutes the axes of each sample.

    Args:
        dims: tuple holding a permutation of 1..rank-1 (the batch axis is 0 and stays);
            e.g. (2, 1) swaps the two axes of a 3-D input.

    Input shape: (batch, d1, ..., dn). Output shape: (batch, d[dims[0]], ..., d[dims[-1]]).
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            raise ValueError(f"Permute: dims must be a tuple of integers. Received: {dims!r}") from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"Permute: dims must be a permutation of 1..{len(dims)} (the batch axis 0 is not included). "
                f"Received: dims={dims}"
            )
        self.dims = dims

    def _check(self, rank):
        if rank != len(self.dims) + 1:
            raise ValueError(
                f'Layer "{self.name}" with dims={self.dims} expects inputs of rank {len(self.dims) + 1}. '
                f"Received rank {rank}."
            )

    def call(self, inputs):
        self._check(inputs.ndim)
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        self._check(len(input_shape))
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config
