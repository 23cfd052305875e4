"""Image sampling shared by the resizing and augmentation layers (channels-last images).

Every layer here computes each output pixel as a weighted sum of a few input pixels plus a
constant (the fill value where the source lies outside the image). `sample` applies such a
table as one differentiable op; the other functions build tables for resizing (as torch's
`interpolate`, half-pixel centres) and for affine transforms (as Keras' `affine_transform`).
"""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.autodiff.function import record

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
INTERPOLATIONS = ("bilinear", "nearest")


def check_choice(cls_name, argument, value, choices):
    """`value` if it is one of `choices`, else a ValueError naming the argument."""
    if value not in choices:
        raise ValueError(f"{cls_name}: {argument} must be one of {', '.join(choices)}. Received: {argument}={value!r}")
    return value


def image_size(layer_name, shape):
    """(height, width) of a batch of channels-last images, checked to be rank 4 and known."""
    if len(shape) != 4:
        raise ValueError(f'Layer "{layer_name}" expects images of shape (batch, height, width, channels). '
                         f"Received input shape {tuple(shape)}.")
    return shape[1], shape[2]


def sample(images, index, weight, constant=None):
    """out[n, p, c] = sum_k weight[n, p, k] * images[n, index[n, p, k], c] + constant[n, p].

    `images` is (N, H, W, C); `index` (flat into H*W) and `weight` are (N or 1, P, K);
    `constant` is (N or 1, P) or None. Returns (N, P, C); differentiable in `images`.
    """
    x = ops.convert_to_tensor(images)
    data = x.data
    n, h, w, c = data.shape
    flat = data.reshape(n, h * w, c)
    index = np.broadcast_to(index, (n,) + index.shape[1:])
    weight = np.broadcast_to(weight, (n,) + weight.shape[1:]).astype(data.dtype)
    batch = np.arange(n)[:, None, None]
    out = np.einsum("npk,npkc->npc", weight, flat[batch, index])
    if constant is not None:
        out = out + np.broadcast_to(constant, (n,) + constant.shape[1:])[..., None].astype(data.dtype)
    out = out.astype(data.dtype)

    def backward(grad):
        grad_flat = np.zeros_like(flat)
        np.add.at(grad_flat, (np.broadcast_to(batch, index.shape), index), weight[..., None] * grad[:, :, None, :])
        return (grad_flat.reshape(data.shape),)

    return record(out, (x,), backward)


def fix_index(index, size, fill_mode):
    """Out-of-range indices mapped back into [0, size) as Keras' fill modes do."""
    if fill_mode in ("constant", "nearest"):
        return np.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return np.mod(index, size)
    if fill_mode == "mirror":  # d c b | a b c d | c b a
        return _mirror(index, size)
    # reflect: d c b a | a b c d | d c b a
    return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2


def _mirror(index, size):
    if size == 1:
        return np.zeros_like(index)
    period = size - 1
    return np.abs(np.mod(index + period, 2 * period) - period)


def resize_table(in_size, out_size, interpolation):
    """Per output position along one axis: (indices, weights), shape (out_size, K), like torch's
    `interpolate` with half-pixel centres (bilinear, align_corners=False; nearest-exact)."""
    scale = in_size / out_size
    centres = (np.arange(out_size, dtype=np.float64) + 0.5) * scale
    if interpolation == "nearest":
        index = np.minimum(np.floor(centres), in_size - 1).astype(np.int64)
        return index[:, None], np.ones((out_size, 1))
    source = np.maximum(centres - 0.5, 0.0)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, in_size - 1)
    frac = source - low
    return np.stack([low, high], axis=1), np.stack([1 - frac, frac], axis=1)


def outer_table(rows, cols, width, valid_rows=None, valid_cols=None, fill_value=0.0):
    """Combine per-axis tables into a 2D one: (index, weight, constant) with P = rows x cols.

    `rows`/`cols` are (indices, weights) per axis; `valid_*` mark entries inside the image
    (others take `fill_value`), `width` is the image width used to flatten (row, col).
    """
    (ri, rw), (ci, cw) = rows, cols
    index = ri[:, None, :, None] * width + ci[None, :, None, :]
    weight = rw[:, None, :, None] * cw[None, :, None, :]
    p = index.shape[0] * index.shape[1]
    index = index.reshape(1, p, -1)
    weight = weight.reshape(1, p, -1)
    constant = None
    if valid_rows is not None:
        valid = (valid_rows[:, None, :, None] & valid_cols[None, :, None, :]).reshape(1, p, -1)
        constant = (np.where(valid, 0.0, weight) * fill_value).sum(axis=-1)
        weight = np.where(valid, weight, 0.0)
        index = np.where(valid, index, 0)
    return index, weight, constant


def affine_table(matrices, height, width, interpolation, fill_mode, fill_value):
    """Sampling table of Keras-style affine transforms, one per image.

    Each matrix [a0, a1, a2, b0, b1, b2, 0, 0] maps output pixel (x, y) to input point
    (a0 x + a1 y + a2, b0 x + b1 y + b2); pixels are at integer coordinates.
    """
    m = np.asarray(matrices, dtype=np.float64)
    ys, xs = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij")
    xs, ys = xs.reshape(1, -1), ys.reshape(1, -1)
    src_x = m[:, 0:1] * xs + m[:, 1:2] * ys + m[:, 2:3]
    src_y = m[:, 3:4] * xs + m[:, 4:5] * ys + m[:, 5:6]
    if interpolation == "nearest":
        corners_y = [(np.round(src_y).astype(np.int64), np.ones_like(src_y))]
        corners_x = [(np.round(src_x).astype(np.int64), np.ones_like(src_x))]
    else:
        y0, x0 = np.floor(src_y), np.floor(src_x)
        fy, fx = src_y - y0, src_x - x0
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        corners_y = [(y0, 1 - fy), (y0 + 1, fy)]
        corners_x = [(x0, 1 - fx), (x0 + 1, fx)]
    index, weight, constant = [], [], np.zeros(src_x.shape)
    for yi, wy in corners_y:
        for xi, wx in corners_x:
            w = wy * wx
            flat = fix_index(yi, height, fill_mode) * width + fix_index(xi, width, fill_mode)
            if fill_mode == "constant":
                inside = (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
                constant += np.where(inside, 0.0, w) * fill_value
                w = np.where(inside, w, 0.0)
            index.append(flat)
            weight.append(w)
    return np.stack(index, axis=-1), np.stack(weight, axis=-1), constant


def reshape_images(flat, n, height, width):
    """(N, P, C) sampled pixels back to (N, height, width, C)."""
    return ops.reshape(flat, (n, height, width, flat.shape[-1]))
