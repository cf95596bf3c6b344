"""Kim's convolutions and max-over-time pooling, fast on a CPU.

:func:`conv_max_over_time` gives the numbers of the readable form (up to
float rounding; ``tests/test_conv_max.py`` checks values and gradients)::

    torch.cat([conv(x.transpose(1, 2)).max(dim=2).values
               for conv in convs], dim=1)

in a fraction of the time, for three reasons.

* **One product per width, over one copy of the windows.** A width-``w``
  filter at position ``t`` multiplies the ``w`` word vectors from ``t`` on.
  Every run of the widest window's words, side by side, is one row of a
  matrix built once; a narrower width reads its first columns (a view), and
  one matrix product per width scores every position at once.
* **The max without its position.** ``amax`` is ten times as fast as ``max``
  with indices; the position of each map's peak (the first, as ``max``
  gives) is found only when a gradient is needed, by comparing with it.
* **Max-pooling's gradient is sparse.** Only the position where a map peaked
  gets a gradient: one entry per sentence, map and filter slice, where a
  convolution's backward pass multiplies a dense [batch, maps, length]
  gradient. Both gradients are sums of those entries' rows
  (``embedding_bag``): at Kim's sentence lengths, a twentieth of the work.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def conv_max_over_time(x: torch.Tensor, convs) -> torch.Tensor:
    """Each ``Conv1d`` of ``convs`` over ``x`` [batch, length, channels],
    max over time: [batch, maps * len(convs)], in the order of ``convs``."""
    params = [p for conv in convs for p in (conv.weight, conv.bias)]
    x = x.contiguous()
    if torch.is_grad_enabled() and any(t.requires_grad for t in (x, *params)):
        return _ConvMaxOverTime.apply(x, *params)
    weights, biases = params[0::2], params[1::2]
    maxima, _ = _max_over_time(x, weights)
    return torch.cat([m + b for m, b in zip(maxima, biases)], dim=1)


def _max_over_time(x, weights):
    """Each width's max over time [batch, maps], without the bias (the
    same at every step: added after), and the scores [batch, steps, maps]
    it was taken over."""
    batch, length, channels = x.shape
    widest = max(weight.shape[2] for weight in weights)
    # row t: the words t .. t + widest - 1 (zeros past the last one); the
    # rows that span two sentences are computed, never read
    words = torch.cat([x.view(-1, channels), x.new_zeros(widest - 1, channels)])
    windows = torch.cat(
        [words[j : j + batch * length] for j in range(widest)], 1
    )
    maxima, scores = [], []
    for weight in weights:
        maps, _, width = weight.shape
        kernel = weight.permute(2, 1, 0).reshape(width * channels, maps)
        out = windows[:, : width * channels] @ kernel
        out = out.view(batch, length, maps)[:, : length - width + 1]
        maxima.append(out.amax(dim=1))
        scores.append(out)
    return maxima, scores


def _first_peak(scores: torch.Tensor, peak: torch.Tensor) -> torch.Tensor:
    """Where each map of ``scores`` [batch, steps, maps] first reaches
    ``peak`` [batch, maps], as int32 [batch, maps]."""
    steps = scores.shape[1]
    countdown = torch.arange(
        steps, 0, -1, dtype=torch.int32, device=scores.device
    )
    hits = (scores == peak.unsqueeze(1)) * countdown.view(1, steps, 1)
    return steps - hits.amax(dim=1)


class _ConvMaxOverTime(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, *params):
        weights, biases = params[0::2], params[1::2]
        maxima, scores = _max_over_time(x, weights)
        peaks = [_first_peak(s, m) for s, m in zip(scores, maxima)]
        ctx.save_for_backward(x, *weights, *peaks)
        return torch.cat([m + b for m, b in zip(maxima, biases)], dim=1)

    @staticmethod
    def backward(ctx, grad):
        x, *rest = ctx.saved_tensors
        weights, peaks = rest[: len(rest) // 2], rest[len(rest) // 2 :]
        widths = [w.shape[2] for w in weights]
        batch, length, channels = x.shape
        maps = grad.shape[1] // len(widths)
        grads = grad.split(maps, dim=1)  # [batch, maps] per width
        # One bag per filter slice (width, j, map): the words it multiplied
        # where its map peaked, one per sentence, each weighted by the
        # gradient there. int32: faster to sort.
        index = dict(dtype=torch.int32, device=x.device)
        sentence_start = torch.arange(batch, **index).unsqueeze(1) * length
        words, weights_of = [], []
        for width, at, g in zip(widths, peaks, grads):
            peak_words = (sentence_start + at).t()  # [maps, batch]
            offsets = torch.arange(width, **index).view(width, 1, 1)
            words.append((peak_words + offsets).reshape(-1, batch))
            weights_of.append(
                g.t().expand(width, maps, batch).reshape(-1, batch)
            )
        words, weights_of = torch.cat(words), torch.cat(weights_of)
        d_x = d_weights = None
        if ctx.needs_input_grad[0]:
            d_x = _words_gradient(words, weights_of, weights, batch * length)
            d_x = d_x.view(batch, length, channels)
        if any(ctx.needs_input_grad[1::2]):
            # slice (width, j, map) of the kernel: its bag's words, summed
            d_slices = F.embedding_bag(
                words,
                x.view(-1, channels),
                mode="sum",
                per_sample_weights=weights_of,
            )
            d_weights = [  # [maps, channels, width] each, as Conv1d's weight
                d.view(-1, maps, channels).permute(1, 2, 0)
                for d in d_slices.split([w * maps for w in widths])
            ]
        out = [d_x]
        for i, g in enumerate(grads):
            trains_weight, trains_bias = ctx.needs_input_grad[1 + 2 * i :][:2]
            out.append(d_weights[i] if trains_weight else None)
            out.append(g.sum(dim=0) if trains_bias else None)
        return tuple(out)


def _words_gradient(words, weights_of, weights, n_words: int) -> torch.Tensor:
    """Each word's gradient [n_words, channels]: the filter slices whose
    bag holds it, summed, each weighted as there. The same entries as the
    kernel's gradient, grouped by word instead of by slice (a stable sort)."""
    slices_per_bag = words.shape[1]
    channels = weights[0].shape[1]
    slices = torch.cat(  # row (width, j, map): the slice's weights
        [w.permute(2, 0, 1).reshape(-1, channels) for w in weights]
    )
    flat = words.reshape(-1)
    order = torch.argsort(flat, stable=True)
    counts = torch.bincount(flat, minlength=n_words)
    starts = torch.zeros(n_words, dtype=flat.dtype, device=flat.device)
    starts[1:] = counts[:-1].cumsum(0)
    of_slice = torch.div(order, slices_per_bag, rounding_mode="floor").to(
        flat.dtype
    )
    return F.embedding_bag(
        of_slice,
        slices,
        starts,
        mode="sum",
        per_sample_weights=weights_of.reshape(-1)[order],
    )
