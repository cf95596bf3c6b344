"""Kim's convolutions and max-over-time pooling, fast on a CPU.

:func:`conv_max_over_time` gives the numbers of the readable form (up to
float rounding; ``tests/test_conv_max.py`` checks values and gradients)::

    torch.cat([conv(x.transpose(1, 2)).max(dim=2).values
               for conv in convs], dim=1)

in a fraction of the time, for two reasons.

* **One product per window, on a view.** A width-``w`` filter at position
  ``t`` multiplies the ``w`` word vectors from ``t`` on, which lie side by
  side in memory: ``x`` read with a stride of one word is every window at
  once, with no copy, and one matrix product per width scores them all.
* **Max-pooling's gradient is sparse.** Only the position where a map peaked
  gets a gradient: one entry per sentence and map, where a convolution's
  backward pass multiplies a dense [batch, maps, length] gradient. Here the
  backward multiplies only those entries (a CSR matrix with ``batch`` entries
  per filter slice): at Kim's sentence lengths, a twentieth of the work.
"""

from __future__ import annotations

import warnings

import torch


def conv_max_over_time(x: torch.Tensor, convs) -> torch.Tensor:
    """Each ``Conv1d`` of ``convs`` over ``x`` [batch, length, channels],
    max over time: [batch, maps * len(convs)], in the order of ``convs``."""
    params = [p for conv in convs for p in (conv.weight, conv.bias)]
    return _ConvMaxOverTime.apply(x.contiguous(), *params)


def _kernel(weights) -> torch.Tensor:
    """Every filter slice as columns of one [channels, sum(widths) * maps]
    matrix: slice ``j`` of a width (Conv1d's ``weight[:, :, j]``) is a
    block of ``maps`` columns."""
    return torch.cat(
        [w.permute(1, 2, 0).reshape(w.shape[1], -1) for w in weights], dim=1
    )


class _ConvMaxOverTime(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, *params):
        weights, biases = params[0::2], params[1::2]
        batch, length, channels = x.shape
        words = x.view(-1)
        pooled, peaks = [], []
        for weight, bias in zip(weights, biases):
            maps, _, width = weight.shape
            steps = length - width + 1
            # each run of `width` words as a row: a strided view, no copy
            # (the rows that span two sentences are computed, never read)
            rows = batch * length - width + 1
            windows = words.as_strided((rows, width * channels), (channels, 1))
            kernel = weight.permute(2, 1, 0).reshape(width * channels, maps)
            out = (windows @ kernel).as_strided(
                (batch, steps, maps), (length * maps, maps, 1)
            )
            values, at = out.max(dim=1)  # [batch, maps] each
            pooled.append(values + bias)  # the same at every step: add after
            peaks.append(at)
        ctx.save_for_backward(x, *weights, *peaks)
        return torch.cat(pooled, dim=1)

    @staticmethod
    def backward(ctx, grad):
        x, *rest = ctx.saved_tensors
        weights, peaks = rest[: len(rest) // 2], rest[len(rest) // 2 :]
        widths = [w.shape[2] for w in weights]
        batch, length, channels = x.shape
        maps = grad.shape[1] // len(widths)
        grads = grad.split(maps, dim=1)  # [batch, maps] per width
        # The gradient of every word times every filter slice, as a CSR
        # matrix [sum(widths) * maps, batch * length]: the row of (width, j,
        # map) holds one entry per sentence, at the word where the map
        # peaked, plus j. int32 indices: faster to sort and multiply.
        index = dict(dtype=torch.int32, device=x.device)
        sentence_start = torch.arange(batch, **index).unsqueeze(1) * length
        columns, values = [], []
        for width, at, g in zip(widths, peaks, grads):
            peak = sentence_start + at.to(torch.int32)  # [batch, maps]
            peak_words = peak.t()
            offsets = torch.arange(width, **index).view(width, 1, 1)
            columns.append((peak_words + offsets).reshape(-1))
            values.append(g.t().expand(width, maps, batch).reshape(-1))
        columns, values = torch.cat(columns), torch.cat(values)
        n_rows = sum(widths) * maps
        row_starts = torch.arange(0, n_rows * batch + 1, batch, **index)
        d_slices = _csr(row_starts, columns, values, (n_rows, batch * length))
        words = x.view(-1, channels)
        d_x = d_weights = None
        if ctx.needs_input_grad[0]:
            d_words = _transposed(d_slices, columns) @ _kernel(weights).t()
            d_x = d_words.view(batch, length, channels)
        if any(ctx.needs_input_grad[1::2]):
            d_kernel = (d_slices @ words).view(-1, maps, channels)
            # [maps, channels, width] each, as Conv1d's weight
            d_weights = [
                d.permute(1, 2, 0) for d in d_kernel.split(widths, dim=0)
            ]
        out = [d_x]
        for i, g in enumerate(grads):
            trains_weight, trains_bias = ctx.needs_input_grad[1 + 2 * i :][:2]
            out.append(d_weights[i] if trains_weight else None)
            out.append(g.sum(dim=0) if trains_bias else None)
        return tuple(out)


def _transposed(matrix: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
    """A CSR matrix whose rows hold equally many entries, transposed, as
    CSR: a product with it runs several times as fast as with
    ``matrix.t()``."""
    n_rows, n_columns = matrix.shape
    per_row = len(columns) // n_rows
    order = torch.argsort(columns, stable=True)
    counts = torch.bincount(columns, minlength=n_columns)
    row_starts = columns.new_zeros(n_columns + 1)
    row_starts[1:] = counts.cumsum(0)
    rows = torch.div(order, per_row, rounding_mode="floor").to(columns.dtype)
    values = matrix.values()[order]
    return _csr(row_starts, rows, values, (n_columns, n_rows))


def _csr(row_starts, columns, values, shape) -> torch.Tensor:
    with warnings.catch_warnings():  # "CSR support is in beta"
        warnings.filterwarnings("ignore", "Sparse CSR tensor support")
        return torch.sparse_csr_tensor(
            row_starts, columns, values, shape, check_invariants=False
        )
