"""Coordinates for a layered layout (see `app.graph.layout`): positions across the flow, and
wrapping a long flow into bands. Pure Python, no Qt."""

from __future__ import annotations

import math

SWEEPS = 8


def assign_across(layers, preds, succs, size, real_count, gap):
    """Centre coordinate across the flow of every vertex (real nodes first, then dummies).

    Each layer in turn is fitted, by weighted least squares, to the mean position of its
    neighbours in the layer before (down sweeps), after (up sweeps) or both (final sweeps),
    subject to the order and spacing within the layer. Edges between dummies weigh most, so
    long edges run straight; a chain follows its neighbours, so it stays straight too."""
    centre = [0.0] * len(size)
    offsets = []
    for layer in layers:
        offs = _offsets(layer, size, real_count, gap)
        offsets.append(offs)
        middle = offs[-1] / 2 if offs else 0.0
        for v, o in zip(layer, offs):
            centre[v] = o - middle

    def weight(a, b):
        dummies = (a >= real_count) + (b >= real_count)
        return (1.0, 2.0, 8.0)[dummies]

    def sweep(order, sides):
        for k in order:
            layer = layers[k]
            targets, weights = [], []
            for v in layer:
                total = moment = 0.0
                for side in sides:
                    for u in side[v]:
                        w = weight(u, v)
                        total += w
                        moment += w * centre[u]
                if total:
                    targets.append(moment / total)
                    weights.append(total)
                else:
                    targets.append(centre[v])
                    weights.append(0.25)
            for v, c in zip(layer, _fit(targets, weights, offsets[k])):
                centre[v] = c

    down, up = range(1, len(layers)), range(len(layers) - 2, -1, -1)
    for _ in range(SWEEPS):
        sweep(down, (preds,))
        sweep(up, (succs,))
    for _ in range(2):
        sweep(range(len(layers)), (preds, succs))
        sweep(reversed(range(len(layers))), (preds, succs))
    _straighten(layers, preds, succs, size, real_count, gap, centre)
    return centre


def _straighten(layers, preds, succs, size, real_count, gap, centre):
    """Put each chain (vertices joined one-to-one: a single successor feeding a single
    predecessor) on one line where the neighbours in its layers leave room, longest first."""
    slot = {}
    for layer in layers:
        for i, v in enumerate(layer):
            slot[v] = (layer, i)
    straight = {u: succs[u][0] for u in range(len(size)) if len(succs[u]) == 1 and len(preds[succs[u][0]]) == 1}
    has_straight_pred = set(straight.values())
    chains = []
    for start in sorted(straight):
        if start in has_straight_pred:
            continue
        chain = [start]
        while chain[-1] in straight:
            chain.append(straight[chain[-1]])
        chains.append(chain)
    chains.sort(key=lambda c: (-len(c), c[0]))

    def room(v):
        layer, i = slot[v]
        low, high = -math.inf, math.inf
        if i > 0:
            u = layer[i - 1]
            low = centre[u] + _space(u, v, size, real_count, gap)
        if i + 1 < len(layer):
            w = layer[i + 1]
            high = centre[w] - _space(v, w, size, real_count, gap)
        return low, high

    pending = [c for c in chains if len({centre[v] for v in c}) > 1]
    for _ in range(3):      # a chain moved aside can make room for one tried before it
        waiting = []
        for chain in pending:
            bounds = [room(v) for v in chain]
            low = max(b[0] for b in bounds)
            high = min(b[1] for b in bounds)
            if low > high + 0.5:
                waiting.append(chain)
                continue
            ordered = sorted(centre[v] for v in chain)
            target = min(max(ordered[len(ordered) // 2], low), max(low, high))
            for v in chain:
                centre[v] = target
        if len(waiting) == len(pending):
            break
        pending = waiting


def _space(u, v, size, real_count, gap):
    """Least distance between the centres of neighbours u, v in a layer."""
    dummies = (u >= real_count) + (v >= real_count)
    return (size[u] + size[v]) / 2 + gap / (1, 3, 6)[dummies]


def _offsets(layer, size, real_count, gap):
    """Minimal centre offsets from the first vertex of a layer (spacing by size)."""
    offs, at = [], 0.0
    for i, v in enumerate(layer):
        if i:
            at += _space(layer[i - 1], v, size, real_count, gap)
        offs.append(at)
    return offs


def _fit(targets, weights, offsets):
    """argmin sum w (c - t)^2 with c[i + 1] - c[i] >= offsets[i + 1] - offsets[i]: isotonic
    regression of t - offset by pooling adjacent violators."""
    blocks = []     # [weight, weighted sum, count]
    for t, w, o in zip(targets, weights, offsets):
        blocks.append([w, w * (t - o), 1])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][0] > blocks[-1][1] / blocks[-1][0]:
            w2, s2, n2 = blocks.pop()
            blocks[-1][0] += w2
            blocks[-1][1] += s2
            blocks[-1][2] += n2
    out = []
    for w, s, n in blocks:
        out.extend([s / w] * n)
    return [y + o for y, o in zip(out, offsets)]


WRAP_AFTER = 3600.0     # a flow shorter than this (about 14 layers of cards) is never wrapped
CUT_PENALTY = 0.1       # per extra edge a band cut breaks, against the log of the aspect mismatch


def wrap_bands(graph, across, across_size, layer_extent, layer_gap, band_gap, aspect, flow_axis):
    """(band, start along the flow, centre across) per vertex. Layers run along the flow; when
    the whole is longer than `WRAP_AFTER` and than `aspect` asks, consecutive layers are cut
    into bands placed side by side across the flow, cutting where fewest edges pass."""
    layers = graph.layers
    lengths = [extent + layer_gap for extent in layer_extent]
    low = [min((across[v] - across_size[v] / 2 for v in layer), default=0.0) for layer in layers]
    high = [max((across[v] + across_size[v] / 2 for v in layer), default=0.0) for layer in layers]
    cuts = _choose_cuts(graph, lengths, low, high, band_gap, aspect, flow_axis)
    result = [None] * graph.count
    starts = [0] + cuts
    ends = cuts + [len(layers)]
    band_at = 0.0
    for band, (a, b) in enumerate(zip(starts, ends)):
        band_low = min(low[a:b])
        band_high = max(high[a:b])
        along = 0.0
        for k in range(a, b):
            for v in layers[k]:
                result[v] = (band, along, across[v] - band_low + band_at)
            along += lengths[k]
        band_at += band_high - band_low + band_gap
    return result


def _choose_cuts(graph, lengths, low, high, band_gap, aspect, flow_axis):
    """Layer indices where a new band starts ([] for one band): the band count whose whole
    picture comes closest to `aspect`, each cut where the fewest edges pass near its ideal place."""
    total = sum(lengths)
    if aspect is None or len(lengths) < 6 or total <= WRAP_AFTER:
        return []
    passing = [sum(len(graph.succs[v]) for v in layer) for layer in graph.layers]   # edges from layer k to k + 1
    cumulative, at = [], 0.0
    for length in lengths:
        at += length
        cumulative.append(at)

    def cuts_for(bands):
        cuts, previous = [], 0
        window = total / bands / 4
        for i in range(1, bands):
            ideal = total * i / bands
            options = [k for k in range(previous + 1, len(lengths)) if abs(cumulative[k - 1] - ideal) <= window]
            if not options:
                options = [min(range(previous + 1, len(lengths)), key=lambda k: abs(cumulative[k - 1] - ideal))]
            best = min(options, key=lambda k: (passing[k - 1], abs(cumulative[k - 1] - ideal)))
            if best >= len(lengths):
                break
            cuts.append(best)
            previous = best
        return cuts

    def mismatch(cuts):
        starts, ends = [0] + cuts, cuts + [len(lengths)]
        along = max(sum(lengths[a:b]) for a, b in zip(starts, ends))
        across = sum(max(high[a:b]) - min(low[a:b]) for a, b in zip(starts, ends)) + band_gap * len(cuts)
        ratio = along / across if flow_axis == 0 else across / along
        broken = sum(passing[k - 1] - 1 for k in cuts)
        return abs(math.log(ratio / aspect)) + CUT_PENALTY * broken

    options = [cuts_for(bands) for bands in range(1, len(lengths) // 3 + 1)]
    return min(options, key=lambda cuts: (round(mismatch(cuts), 3), len(cuts)))
