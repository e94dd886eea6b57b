#!/usr/bin/env python3
"""Write PyTorch 1.13's HistogramObserver results to tests/fixtures/histogram_observer.json.

Each case builds torch.ao.quantization.HistogramObserver(bins, upsample_rate, dtype, qscheme,
reduce_range[, quant_min=-127, quant_max=127 for qlinear's "restricted" range]), feeds it 1 to 5
float32 tensors and records calculate_qparams(), and, to tell where a difference starts:

  * min_val / max_val and torch.sum(histogram) after the last tensor,
  * the bins the L2 search settled on (start_bin, end_bin, read from the calls it made to
    _compute_quantization_error) and the range they give (search_min / search_max).

Floats are stored exactly: "calls" holds each tensor as base64 of its little-endian float32 bytes,
and every float result is its float32 bit pattern as 8 hex digits ("scale_bits" ...), with the
decimal value beside it for people ("scale").

Run by hand with Debian's PyTorch (apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tools/make_histogram_observer_fixtures.py

CI never runs this; the JSON is committed. A fixed seed makes re-runs byte-identical. PyTorch runs
single-threaded; its float32 sums (the search's error terms) are ATen's 8-lane cascade sum, which
the AVX2 and the default CPU kernels share (AVX-512 kernels, chosen only with
ATEN_CPU_CAPABILITY=avx512 in 1.13, would add in another order).
"""
import base64
import json
import math
import os
import pathlib
import warnings

os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.ao.quantization.observer import HistogramObserver  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "histogram_observer.json"
DTYPES = {"qint8": torch.qint8, "quint8": torch.quint8}
QSCHEMES = {"per_tensor_affine": torch.per_tensor_affine, "per_tensor_symmetric": torch.per_tensor_symmetric}
# (dtype, qscheme, reduce_range) that PyTorch accepts: symmetric quint8 cannot reduce its range.
OPTION_SETS = [(d, q, r) for d in ("quint8", "qint8") for q in QSCHEMES for r in (False, True)
               if not (d == "quint8" and q == "per_tensor_symmetric" and r)]
# PyTorch builds a grid of bins * downsample_rate floats to merge histograms (downsample_rate is
# about upsample_rate times the growth of the range): cases whose grid would be larger are redrawn.
MAX_GRID = 40_000_000

rng = np.random.default_rng(20240613)


def bits(v):
    return "%08x" % int(np.float32(v).view(np.uint32))


def b64(x):
    return base64.b64encode(np.ascontiguousarray(x, dtype="<f4").tobytes()).decode("ascii")


def size():
    """Log-uniform in [1, 4000]: mostly small tensors, some large."""
    return int(min(4000, max(1, round(math.exp(rng.uniform(0.0, math.log(4000.0)))))))


def draw(kind, n, scale=1.0, offset=0.0):
    """n float32 values of a named distribution, times scale, plus offset."""
    if kind == "normal":
        x = rng.standard_normal(n)
    elif kind == "uniform":
        x = rng.uniform(-1.0, 1.0, n)
    elif kind == "student_t":
        x = np.clip(rng.standard_t(2.0, n), -40.0, 40.0)
    elif kind == "cauchy":
        x = np.clip(rng.standard_cauchy(n), -200.0, 200.0)
    elif kind == "relu":  # half zeros, half positive
        x = np.maximum(rng.standard_normal(n), 0.0)
    elif kind == "abs_normal":
        x = np.abs(rng.standard_normal(n))
    elif kind == "negative":
        x = -np.abs(rng.standard_normal(n)) - 0.1
    elif kind == "integers":  # many ties
        x = rng.integers(-4, 5, n).astype(np.float64)
    elif kind == "bimodal":
        x = rng.standard_normal(n) * 0.1 + rng.choice([-1.0, 2.0], n)
    elif kind == "exponential":
        x = rng.exponential(1.0, n)
    else:
        raise ValueError(kind)
    return (x * scale + offset).astype(np.float32)


KINDS = ["normal", "uniform", "student_t", "cauchy", "relu", "abs_normal", "negative", "integers", "bimodal",
         "exponential"]


def search_bins(observer):
    """The (start_bin, end_bin) _non_linear_param_search settles on, read from its calls."""
    calls = []
    original = observer._compute_quantization_error

    def traced(start, end):
        norm = original(start, end)
        calls.append((start, end, norm))
        return norm

    observer._compute_quantization_error = traced
    new_min, new_max = observer._non_linear_param_search()
    observer._compute_quantization_error = original
    start, end, norm_min = 0, observer.bins - 1, float("inf")
    for s, e, norm in calls:
        if norm > norm_min:
            break
        norm_min, start, end = norm, s, e
    return start, end, new_min.item(), new_max.item()


def grid_ok(calls, bins, upsample_rate):
    """Whether PyTorch's merges stay under MAX_GRID floats (estimated from the running range)."""
    lo = hi = None
    for x in calls:
        xl, xh = float(x.min()), float(x.max())
        if lo is None or lo == hi:
            lo, hi = xl, xh
            continue
        nl, nh = min(lo, xl), max(hi, xh)
        if (nh - nl) / (hi - lo) * upsample_rate * bins > MAX_GRID:
            return False
        lo, hi = nl, nh + (nh - nl) / bins  # the merge relaxes the top by up to a bin
    return True


def run_case(name, calls, dtype="quint8", qscheme="per_tensor_affine", reduce_range=False, range_="full",
             bins=2048, upsample_rate=128):
    kwargs = dict(bins=bins, upsample_rate=upsample_rate, dtype=DTYPES[dtype], qscheme=QSCHEMES[qscheme],
                  reduce_range=reduce_range)
    if range_ == "restricted":
        kwargs.update(quant_min=-127, quant_max=127)
    observer = HistogramObserver(**kwargs)
    case = {"name": name, "bins": bins, "upsample_rate": upsample_rate, "dtype": dtype, "qscheme": qscheme,
            "reduce_range": reduce_range, "range": range_, "calls": [b64(x) for x in calls],
            "sizes": [int(x.size) for x in calls]}
    try:
        for x in calls:
            observer(torch.from_numpy(x))
        scale, zero_point = observer.calculate_qparams()
    except Exception as e:  # noqa: BLE001 - recorded: qlinear must refuse it too
        case["error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        return case
    start, end, search_min, search_max = search_bins(observer)
    case.update({
        "min_val_bits": bits(observer.min_val.item()), "max_val_bits": bits(observer.max_val.item()),
        "hist_sum_bits": bits(torch.sum(observer.histogram).item()),
        "start_bin": start, "end_bin": end,
        "search_min_bits": bits(search_min), "search_max_bits": bits(search_max),
        "scale_bits": bits(scale.item()), "scale": float(np.float32(scale.item())),
        "zero_point": int(zero_point.item()),
    })
    return case


def options():
    return OPTION_SETS[int(rng.integers(len(OPTION_SETS)))]


def main():
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")  # reduce_range's deprecation, "must run observer" ...
    cases = []

    def add(name, calls, **kw):
        cases.append(run_case(name, [np.asarray(c, np.float32).reshape(-1) for c in calls], **kw))

    # One tensor per case: every distribution with every option set, at assorted scales.
    single = [
        ("normal", 1.0, 0.0), ("uniform", 3.0, 0.0), ("student_t", 1.0, 0.0), ("cauchy", 0.5, 0.0),
        ("relu", 2.0, 0.0), ("abs_normal", 0.2, 0.0),   # all positive, max < 1 mostly
        ("uniform", 0.4, 0.5),                            # (0.1, 0.9): int() gives 0 and 0
        ("uniform", 0.5, 1.0),                            # (0.5, 1.5): counts only [0, 1]
        ("uniform", 0.4, -0.1),                           # crosses zero inside (-1, 1)
        ("normal", 1e-6, 0.0), ("normal", 3e4, 0.0), ("uniform", 2e5, 8e5),  # tiny, huge, far from 0
        ("negative", 3.0, -1.0), ("uniform", 2.0, 5.0), ("integers", 1.0, 0.0), ("bimodal", 1.0, 0.0),
    ]
    for i, (kind, scale, offset) in enumerate(single):
        for j, (dtype, qscheme, rr) in enumerate(OPTION_SETS):
            if (i + j) % 2 and kind not in ("uniform", "normal"):
                continue  # keep the file small: every other option set for the rarer shapes
            add("single %s x%g%+g %s %s%s" % (kind, scale, offset, dtype, qscheme, " rr" if rr else ""),
                [draw(kind, size(), scale, offset)], dtype=dtype, qscheme=qscheme, reduce_range=rr)

    # Several tensors: growing, shrinking and wandering ranges.
    def multi(label, count, factors):
        made = 0
        while made < count:
            kind = KINDS[int(rng.integers(len(KINDS)))]
            base = float(10 ** rng.uniform(-4, 5))
            offset = float(rng.choice([0.0, 0.0, base * rng.uniform(-3, 3)]))
            ncalls = int(rng.integers(2, 6))
            calls, s = [], base
            for _ in range(ncalls):
                calls.append(draw(kind, size(), s, offset))
                s *= float(factors())
            dtype, qscheme, rr = options()
            if not grid_ok(calls, 2048, 128):
                continue
            add("%s %s x%.3g%+.3g %d calls %s %s%s" % (label, kind, base, offset, ncalls, dtype, qscheme,
                                                       " rr" if rr else ""),
                calls, dtype=dtype, qscheme=qscheme, reduce_range=rr)
            made += 1

    multi("growing", 30, lambda: rng.uniform(1.05, 3.0))
    multi("shrinking", 30, lambda: rng.uniform(0.3, 0.95))
    multi("wandering", 40, lambda: rng.uniform(0.5, 2.0))

    # Constants: alone, before and after other data (a constant run restarts the histogram).
    for c in (0.0, 0.5, 3.0, -2.7, 1e5, 1e-6, -0.25):
        dtype, qscheme, rr = options()
        add("constant %g" % c, [np.full(size(), c)], dtype=dtype, qscheme=qscheme, reduce_range=rr)
    for c, kind, scale in ((0.0, "normal", 1.0), (2.0, "uniform", 3.0), (0.7, "abs_normal", 0.5),
                           (-5.0, "student_t", 2.0)):
        dtype, qscheme, rr = options()
        add("constant %g then %s" % (c, kind), [np.full(size(), c), draw(kind, size(), scale)],
            dtype=dtype, qscheme=qscheme, reduce_range=rr)
        dtype, qscheme, rr = options()
        add("%s then constant %g" % (kind, c), [draw(kind, size(), scale), np.full(size(), c)],
            dtype=dtype, qscheme=qscheme, reduce_range=rr)
    add("constant 1 then constant 2 then normal", [np.full(10, 1.0), np.full(20, 2.0), draw("normal", 300)])
    add("constant 0.3 three times", [np.full(5, 0.3)] * 3, dtype="qint8")
    add("constant -4 then wider", [np.full(7, -4.0), draw("uniform", 500, 6.0)], qscheme="per_tensor_symmetric",
        dtype="qint8")

    # Single values and tiny tensors.
    for k in range(8):
        dtype, qscheme, rr = options()
        calls = [draw("normal", int(rng.integers(1, 4)), float(10 ** rng.uniform(-2, 2)))
                 for _ in range(int(rng.integers(1, 5)))]
        if grid_ok(calls, 2048, 128):
            add("tiny tensors %d" % k, calls, dtype=dtype, qscheme=qscheme, reduce_range=rr)

    # Other bins and upsample rates.
    for bins, up in ((1, 128), (2, 16), (7, 128), (8, 1), (100, 128), (256, 16), (512, 200), (4096, 128),
                     (2048, 1), (2048, 16), (33, 7), (1000, 64)):
        dtype, qscheme, rr = options()
        kind = KINDS[int(rng.integers(len(KINDS)))]
        calls = [draw(kind, size(), float(rng.uniform(0.5, 2.0))) for _ in range(int(rng.integers(1, 5)))]
        add("bins %d upsample %d %s" % (bins, up, kind), calls, dtype=dtype, qscheme=qscheme, reduce_range=rr,
            bins=bins, upsample_rate=up)

    # qlinear's restricted range: quant_min=-127, quant_max=127 (halved by reduce_range).
    for qscheme in QSCHEMES:
        for rr in (False, True):
            kind = KINDS[int(rng.integers(len(KINDS)))]
            calls = [draw(kind, size(), float(rng.uniform(0.5, 2.0))) for _ in range(int(rng.integers(1, 4)))]
            add("restricted %s %s%s" % (kind, qscheme, " rr" if rr else ""), calls, dtype="qint8", qscheme=qscheme,
                reduce_range=rr, range_="restricted")

    # Mostly-zero activations and data with heavy single bins.
    for k in range(10):
        dtype, qscheme, rr = options()
        n = size()
        x = draw("relu", n, float(10 ** rng.uniform(-2, 2)))
        x[rng.random(n) < 0.4] = 0.0
        calls = [x] + [draw("relu", size(), float(np.max(x)) + 1e-3) for _ in range(int(rng.integers(0, 3)))]
        add("sparse relu %d" % k, calls, dtype=dtype, qscheme=qscheme, reduce_range=rr)

    out = {"torch_version": torch.__version__, "cases": cases}
    OUT.write_text(json.dumps(out, separators=(",", ":")).replace('},{"name"', '},\n{"name"') + "\n")
    errors = sum("error" in c for c in cases)
    print("wrote", OUT, OUT.stat().st_size, "bytes,", len(cases), "cases,", errors, "refused by PyTorch")


if __name__ == "__main__":
    main()
