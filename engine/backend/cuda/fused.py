"""CUDA versions of the fused layer kernels (dense, normalization, embedding, softmax
cross-entropy, optimizer updates), with the CPU kernels' names, signatures and float rules.

Row-wise work (softmax rows, layer-norm rows) runs one thread per row; column statistics
(batch moments, bias and gamma gradients) one thread per column with float64 sums, as on
the CPU; everything else is elementwise. Matrix products use `layer_kernels.gemm`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import cuda

from engine.backend.cuda.device_array import DeviceArray
from engine.backend.cuda.layer_kernels import _dev, gemm

_cache: dict = {}


def _kernel(build):
    """Compile `build()` once, on first use."""
    kernel = _cache.get(build.__name__)
    if kernel is None:
        kernel = _cache[build.__name__] = build()
    return kernel


def _run(build, n, *args):
    from engine.backend.cuda.kernels import launch_1d

    if n > 0:
        blocks, threads = launch_1d(n)
        _kernel(build)[blocks, threads](*args)


def _empty(shape, dtype):
    return DeviceArray.empty(tuple(shape), dtype)


# -- dense -------------------------------------------------------------------------------------
def _bias_activation():
    @cuda.jit
    def bias_activation(out, bias, has_bias, act, cols, total):
        i = cuda.grid(1)
        if i >= total:
            return
        z = out[i]
        if has_bias:
            z += bias[i % cols]
        if act == 1:
            if z < 0:
                z = 0
        elif act == 2:
            if z >= 0:
                z = 1 / (1 + math.exp(-z))
            else:
                e = math.exp(z)
                z = e / (1 + e)
        elif act == 3:
            z = math.tanh(z)
        out[i] = z

    return bias_activation


def _activation_grad():
    @cuda.jit
    def activation_grad(grad, out, act, dz, total):
        i = cuda.grid(1)
        if i >= total:
            return
        g = grad[i]
        y = out[i]
        if act == 1:
            if y <= 0:
                g = 0
        elif act == 2:
            g = g * y * (1 - y)
        elif act == 3:
            g = g * (1 - y * y)
        dz[i] = g

    return activation_grad


def _column_sums():
    @cuda.jit
    def column_sums(a, rows, cols, out):
        j = cuda.grid(1)
        if j >= cols:
            return
        acc = 0.0
        for i in range(rows):
            acc += a[i * cols + j]
        out[j] = acc

    return column_sums


def dense_forward(x, kernel, bias, has_bias, act):
    """activation(x @ kernel + bias), as `engine.backend.cpu.dense.dense_forward`."""
    x, kernel, bias = _dev(x), _dev(kernel), _dev(bias)
    out = gemm(x, kernel)
    _run(_bias_activation, out.size, out.buffer, bias.buffer, bool(has_bias), int(act), out.shape[1], out.size)
    return out


def activation_bias_grad(grad, out, act):
    """(dz, column sums of dz), as the CPU kernel."""
    grad, out = _dev(grad), _dev(out)
    dz = _empty(grad.shape, grad.dtype)
    _run(_activation_grad, dz.size, grad.buffer, out.buffer, int(act), dz.buffer, dz.size)
    rows, cols = grad.shape
    sums = _empty((cols,), grad.dtype)
    _run(_column_sums, cols, dz.buffer, rows, cols, sums.buffer)
    return dz, sums


def dense_backward(x, kernel, out, grad, act, need_x_grad):
    """(dx or None, dkernel, dbias) of dense_forward."""
    x, kernel = _dev(x), _dev(kernel)
    dz, dbias = activation_bias_grad(grad, out, act)
    dkernel = gemm(x, dz, trans_a=True)
    dx = gemm(dz, kernel, trans_b=True) if need_x_grad else None
    return dx, dkernel, dbias


# -- softmax cross-entropy -------------------------------------------------------------------------
def _softmax_xent():
    @cuda.jit
    def softmax_xent(logits, labels, sparse, rows, cols, loss, grad):
        i = cuda.grid(1)
        if i >= rows:
            return
        base = i * cols
        top = logits[base]
        for j in range(1, cols):
            if logits[base + j] > top:
                top = logits[base + j]
        total = 0.0
        for j in range(cols):
            e = math.exp(logits[base + j] - top)
            grad[base + j] = e
            total += e
        log_total = math.log(total)
        if sparse:
            target = int(labels[i])
            loss[i] = log_total - (logits[base + target] - top)
            for j in range(cols):
                grad[base + j] = grad[base + j] / total
            grad[base + target] -= 1
        else:
            label_sum = 0.0
            value = 0.0
            for j in range(cols):
                label_sum += labels[base + j]
                value -= labels[base + j] * (logits[base + j] - top - log_total)
            loss[i] = value
            for j in range(cols):
                grad[base + j] = grad[base + j] / total * label_sum - labels[base + j]

    return softmax_xent


def _xent(logits, labels, sparse):
    logits = _dev(logits)
    labels = _dev(labels, np.int64 if sparse else logits.dtype)
    rows, cols = logits.shape
    loss = _empty((rows,), logits.dtype)
    grad = _empty(logits.shape, logits.dtype)
    _run(_softmax_xent, rows, logits.buffer, labels.buffer, bool(sparse), rows, cols, loss.buffer, grad.buffer)
    return loss, grad


def softmax_xent_fused(logits, labels):
    """Per-row categorical cross-entropy and its logits gradient (CPU contract)."""
    return _xent(logits, labels, False)


def sparse_softmax_xent_fused(logits, labels):
    """Per-row cross-entropy and logits gradient for int64 class labels (CPU contract)."""
    return _xent(logits, labels, True)


# -- optimizers ------------------------------------------------------------------------------------
def _adam():
    @cuda.jit
    def adam(variable, grad, m, v, alpha, c1, c2, eps, new_var, new_m, new_v, total):
        i = cuda.grid(1)
        if i >= total:
            return
        g = grad[i]
        mi = m[i] + (g - m[i]) * c1
        vi = v[i] + (g * g - v[i]) * c2
        new_m[i] = mi
        new_v[i] = vi
        step = (np.float64(mi) * alpha) / np.float64(math.sqrt(vi) + eps)
        new_var[i] = np.float64(variable[i]) - step

    return adam


def adam_update(variable, grad, m, v, alpha, one_minus_b1, one_minus_b2, epsilon):
    """Keras 3 Adam step on flat arrays: (new_variable, new_m, new_v), as the CPU kernel."""
    variable, grad, m, v = _dev(variable), _dev(grad, None), _dev(m), _dev(v)
    dt = variable.dtype.type
    outs = [_empty(variable.shape, variable.dtype) for _ in range(3)]
    _run(_adam, variable.size, variable.buffer, grad.buffer, m.buffer, v.buffer, float(alpha), dt(one_minus_b1),
         dt(one_minus_b2), dt(epsilon), outs[0].buffer, outs[1].buffer, outs[2].buffer, variable.size)
    return tuple(outs)


def _sgd():
    @cuda.jit
    def sgd(variable, grad, velocity, lr, mom, nesterov, new_var, new_vel, total):
        i = cuda.grid(1)
        if i >= total:
            return
        step = lr * grad[i]
        vel = mom * velocity[i] - step
        new_vel[i] = vel
        if nesterov:
            new_var[i] = variable[i] + mom * vel - step
        else:
            new_var[i] = variable[i] + vel

    return sgd


def sgd_momentum_update(variable, grad, velocity, learning_rate, momentum, nesterov):
    """Keras 3 SGD-with-momentum step: (new_variable, new_velocity), as the CPU kernel."""
    variable, grad, velocity = _dev(variable), _dev(grad), _dev(velocity)
    dt = variable.dtype.type
    new_var, new_vel = _empty(variable.shape, variable.dtype), _empty(variable.shape, variable.dtype)
    _run(_sgd, variable.size, variable.buffer, grad.buffer, velocity.buffer, dt(learning_rate), dt(momentum),
         bool(nesterov), new_var.buffer, new_vel.buffer, variable.size)
    return new_var, new_vel


# -- embedding -------------------------------------------------------------------------------------
def _embedding_gather():
    @cuda.jit
    def gather_rows(table, indices, dim, out, total):
        i = cuda.grid(1)
        if i < total:
            out[i] = table[indices[i // dim] * dim + i % dim]

    return gather_rows


def _embedding_scatter():
    @cuda.jit
    def scatter_rows(indices, grad, dim, out, total):
        i = cuda.grid(1)
        if i < total:
            cuda.atomic.add(out, indices[i // dim] * dim + i % dim, grad[i])

    return scatter_rows


def embedding_gather(table, indices):
    """Rows of `table` (vocab, dim) at flat int64 `indices`: (n, dim)."""
    table, indices = _dev(table), _dev(indices, np.int64)
    dim = table.shape[1]
    out = _empty((indices.shape[0], dim), table.dtype)
    _run(_embedding_gather, out.size, table.buffer, indices.buffer, dim, out.buffer, out.size)
    return out


def embedding_scatter_add(indices, grad, vocab):
    """Gradient of the table: grad rows summed (atomically) into their index rows."""
    indices, grad = _dev(indices, np.int64), _dev(grad)
    dim = grad.shape[1]
    out = DeviceArray.full((int(vocab), dim), 0, grad.dtype)
    _run(_embedding_scatter, grad.size, indices.buffer, grad.buffer, dim, out.buffer, grad.size)
    return out


# -- normalization ---------------------------------------------------------------------------------
def _column_moments():
    @cuda.jit
    def column_moments(x, rows, cols, mean, var):
        j = cuda.grid(1)
        if j >= cols:
            return
        s = 0.0
        for i in range(rows):
            s += x[i * cols + j]
        m = s / rows
        q = 0.0
        for i in range(rows):
            d = x[i * cols + j] - m
            q += d * d
        mean[j] = m
        var[j] = q / rows

    return column_moments


def batch_moments(x):
    """Per-column mean and biased variance of 2-D `x` (float64 sums)."""
    x = _dev(x)
    rows, cols = x.shape
    mean, var = _empty((cols,), x.dtype), _empty((cols,), x.dtype)
    _run(_column_moments, cols, x.buffer, rows, cols, mean.buffer, var.buffer)
    return mean, var


def _inverse_std():
    @cuda.jit
    def inverse_std(var, epsilon, cols, inv_std):
        j = cuda.grid(1)
        if j < cols:
            inv_std[j] = 1.0 / math.sqrt(var[j] + epsilon)

    return inverse_std


def _batch_norm():
    @cuda.jit
    def batch_norm(x, mean, inv_std, gamma, beta, cols, out, total):
        i = cuda.grid(1)
        if i >= total:
            return
        j = i % cols
        out[i] = (x[i] - mean[j]) * inv_std[j] * gamma[j] + beta[j]

    return batch_norm


def batch_norm_forward(x, mean, var, gamma, beta, epsilon):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta per column, and 1/std."""
    x, mean, var, gamma, beta = (_dev(a) for a in (x, mean, var, gamma, beta))
    cols = x.shape[1]
    out, inv_std = _empty(x.shape, x.dtype), _empty((cols,), x.dtype)
    _run(_inverse_std, cols, var.buffer, x.dtype.type(epsilon), cols, inv_std.buffer)
    _run(_batch_norm, x.size, x.buffer, mean.buffer, inv_std.buffer, gamma.buffer, beta.buffer, cols, out.buffer,
         x.size)
    return out, inv_std


def _norm_param_grads():
    @cuda.jit
    def norm_param_grads(x, grad, mean, inv_std, per_row, rows, cols, dgamma, dbeta):
        # per_row: statistics indexed by row (layer norm), else by column (batch norm)
        j = cuda.grid(1)
        if j >= cols:
            return
        sg = 0.0
        sb = 0.0
        for i in range(rows):
            g = grad[i * cols + j]
            k = i if per_row else j
            sb += g
            sg += g * (x[i * cols + j] - mean[k]) * inv_std[k]
        dgamma[j] = sg
        dbeta[j] = sb

    return norm_param_grads


def _batch_norm_dx():
    @cuda.jit
    def batch_norm_dx(x, grad, mean, inv_std, gamma, dgamma, dbeta, batch_stats, rows, cols, dx, total):
        i = cuda.grid(1)
        if i >= total:
            return
        j = i % cols
        scale = gamma[j] * inv_std[j]
        if batch_stats:
            xhat = (x[i] - mean[j]) * inv_std[j]
            dx[i] = scale * (grad[i] - dbeta[j] / rows - xhat * dgamma[j] / rows)
        else:
            dx[i] = scale * grad[i]

    return batch_norm_dx


def batch_norm_backward(x, grad, mean, inv_std, gamma, batch_stats):
    """(dx, dgamma, dbeta) of batch_norm_forward (CPU contract)."""
    x, grad, mean, inv_std, gamma = (_dev(a) for a in (x, grad, mean, inv_std, gamma))
    rows, cols = x.shape
    dgamma, dbeta = _empty((cols,), x.dtype), _empty((cols,), x.dtype)
    _run(_norm_param_grads, cols, x.buffer, grad.buffer, mean.buffer, inv_std.buffer, False, rows, cols,
         dgamma.buffer, dbeta.buffer)
    dx = _empty(x.shape, x.dtype)
    _run(_batch_norm_dx, x.size, x.buffer, grad.buffer, mean.buffer, inv_std.buffer, gamma.buffer, dgamma.buffer,
         dbeta.buffer, bool(batch_stats), rows, cols, dx.buffer, x.size)
    return dx, dgamma, dbeta


def _layer_norm():
    @cuda.jit
    def layer_norm(x, gamma, beta, epsilon, rms, rows, cols, out, mean, inv_std):
        i = cuda.grid(1)
        if i >= rows:
            return
        base = i * cols
        m = 0.0
        if not rms:
            for j in range(cols):
                m += x[base + j]
            m /= cols
        q = 0.0
        for j in range(cols):
            d = x[base + j] - m
            q += d * d
        inv = 1.0 / math.sqrt(q / cols + epsilon)
        mean[i] = m
        inv_std[i] = inv
        m_cast = mean[i]
        inv_cast = inv_std[i]
        for j in range(cols):
            out[base + j] = (x[base + j] - m_cast) * inv_cast * gamma[j] + beta[j]

    return layer_norm


def layer_norm_forward(x, gamma, beta, epsilon, rms):
    """Row-normalized x scaled and shifted per column: (out, mean, inv_std) (CPU contract)."""
    x, gamma, beta = _dev(x), _dev(gamma), _dev(beta)
    rows, cols = x.shape
    out, mean, inv_std = _empty(x.shape, x.dtype), _empty((rows,), x.dtype), _empty((rows,), x.dtype)
    _run(_layer_norm, rows, x.buffer, gamma.buffer, beta.buffer, float(epsilon), bool(rms), rows, cols, out.buffer,
         mean.buffer, inv_std.buffer)
    return out, mean, inv_std


def _layer_norm_dx():
    @cuda.jit
    def layer_norm_dx(x, grad, mean, inv_std, gamma, rms, rows, cols, dx):
        i = cuda.grid(1)
        if i >= rows:
            return
        base = i * cols
        s1 = 0.0
        s2 = 0.0
        for j in range(cols):
            gh = grad[base + j] * gamma[j]
            xhat = (x[base + j] - mean[i]) * inv_std[i]
            s1 += gh
            s2 += gh * xhat
        for j in range(cols):
            gh = grad[base + j] * gamma[j]
            xhat = (x[base + j] - mean[i]) * inv_std[i]
            if rms:
                dx[base + j] = inv_std[i] * (gh - xhat * s2 / cols)
            else:
                dx[base + j] = inv_std[i] * (gh - s1 / cols - xhat * s2 / cols)

    return layer_norm_dx


def layer_norm_backward(x, grad, mean, inv_std, gamma, rms):
    """(dx, dgamma, dbeta) of layer_norm_forward (CPU contract)."""
    x, grad, mean, inv_std, gamma = (_dev(a) for a in (x, grad, mean, inv_std, gamma))
    rows, cols = x.shape
    dx = _empty(x.shape, x.dtype)
    _run(_layer_norm_dx, rows, x.buffer, grad.buffer, mean.buffer, inv_std.buffer, gamma.buffer, bool(rms), rows,
         cols, dx.buffer)
    dgamma, dbeta = _empty((cols,), x.dtype), _empty((cols,), x.dtype)
    _run(_norm_param_grads, cols, x.buffer, grad.buffer, mean.buffer, inv_std.buffer, True, rows, cols,
         dgamma.buffer, dbeta.buffer)
    return dx, dgamma, dbeta
