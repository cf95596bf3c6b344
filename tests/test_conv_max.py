"""The fast kernel of Kim's CNN gives the readable form's values and gradients."""

import pytest

torch = pytest.importorskip("torch")

from w2vcnn.models.conv_max import conv_max_over_time  # noqa: E402


def readable(x, convs):
    return torch.cat([conv(x.transpose(1, 2)).max(dim=2).values for conv in convs], dim=1)


def values_and_gradients(function, x, convs, upstream, x_trains=True):
    x = x.detach().clone().requires_grad_(x_trains)
    for conv in convs:
        conv.zero_grad()
    out = function(x, convs)
    (out * upstream).sum().backward()
    grads = [x.grad] if x_trains else []
    return [out.detach()] + grads + [p.grad.clone() for c in convs for p in c.parameters()]


@pytest.mark.parametrize(
    "batch, length, channels, windows, maps",
    [
        (7, 9, 6, (3, 4, 5), 4),  # Kim's windows
        (3, 5, 4, (2, 5), 3),  # a sentence exactly as long as the widest window
        (1, 12, 10, (1, 3), 2),  # one sentence; a width-1 filter
        (50, 30, 16, (3, 4, 5), 8),
    ],
)
@pytest.mark.parametrize("x_trains", [True, False])  # fine-tuned words, or frozen (static)
def test_values_and_gradients_are_the_convolutions(
    batch, length, channels, windows, maps, x_trains
):
    torch.manual_seed(0)
    convs = [torch.nn.Conv1d(channels, maps, w) for w in windows]
    x = torch.randn(batch, length, channels)
    upstream = torch.randn(batch, maps * len(windows))
    expected = values_and_gradients(readable, x, convs, upstream, x_trains)
    got = values_and_gradients(conv_max_over_time, x, convs, upstream, x_trains)
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert g.shape == e.shape
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5)


def test_padded_sentences_get_the_gradient_the_convolutions_give():
    """Zero rows (pads) tie every window that holds only pads: the gradient still matches."""
    torch.manual_seed(1)
    convs = [torch.nn.Conv1d(5, 3, w) for w in (2, 3)]
    x = torch.randn(4, 10, 5)
    x[0, 3:] = 0  # a short sentence, padded
    x[1] = 0  # a sentence of pads only
    upstream = torch.randn(4, 6)
    expected = values_and_gradients(readable, x, convs, upstream)
    for e, g in zip(expected, values_and_gradients(conv_max_over_time, x, convs, upstream)):
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5)


def test_it_leaves_its_inputs_unchanged():
    torch.manual_seed(2)
    convs = [torch.nn.Conv1d(4, 3, w) for w in (2, 3)]
    x = torch.randn(2, 6, 4)
    before = [x.clone()] + [p.detach().clone() for c in convs for p in c.parameters()]
    values_and_gradients(conv_max_over_time, x, convs, torch.randn(2, 6))
    after = [x] + [p.detach() for c in convs for p in c.parameters()]
    for b, a in zip(before, after):
        assert torch.equal(b, a)


def test_the_bags_keep_one_index_type(monkeypatch):
    """The words and the bags' starts of one integer type (a CPU product promotes a mix; not
    every device does)."""
    from w2vcnn.models import conv_max

    seen = []
    real = conv_max.F.embedding_bag

    def record(words, table, starts=None, **options):
        seen.append((words.dtype, None if starts is None else starts.dtype))
        return real(words, table, starts, **options)

    monkeypatch.setattr(conv_max.F, "embedding_bag", record)
    convs = [torch.nn.Conv1d(4, 3, w) for w in (2, 3)]
    values_and_gradients(conv_max_over_time, torch.randn(2, 6, 4), convs, torch.randn(2, 6))
    assert len(seen) == 2  # the words' gradient, the filters' gradient
    assert all(starts in (None, words) for words, starts in seen)


def test_scoring_without_gradients_gives_the_same_values():
    """Scoring (no gradient wanted) skips finding the peaks: the same values."""
    torch.manual_seed(3)
    convs = [torch.nn.Conv1d(6, 4, w) for w in (3, 4, 5)]
    x = torch.randn(5, 11, 6)
    with torch.no_grad():
        scored = conv_max_over_time(x, convs)
        expected = readable(x, convs)
    assert not scored.requires_grad
    torch.testing.assert_close(scored, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(scored, conv_max_over_time(x, convs).detach())
