#!/usr/bin/env python3
"""Write PyTorch-made quantizer fixtures to tests/fixtures/quantizer_cases.json.

Run by hand with Debian's PyTorch (apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tools/make_fixtures.py

CI never runs this: the JSON it writes is committed. Every number in the file comes from
torch.ao.quantization observers and torch's quantize / dequantize / fake-quantize ops, so the
C++ and JS tests compare qlinear against PyTorch itself, not against our reading of it.
"""
import json
import math
import pathlib
import sys

import numpy as np
import torch
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "quantizer_cases.json"
SEED = 20261122


def f32(values):
    return torch.tensor(np.asarray(values, dtype=np.float32))


def make_inputs():
    rng = np.random.default_rng(SEED)
    heavy = rng.normal(0.0, 0.1, 48)
    heavy[[3, 17, 40]] = [55.0, -38.5, 71.25]
    per_tensor = {
        # The tutorial's vector and its two variants (seed 002).
        "tutorial_6": [3.0, -5.5, 0.0, 6.0, -6.0, 2.5],
        "tutorial_4": [3.0, -5.5, 0.0, 4.0, -6.0, 2.5],
        "tutorial_8": [3.0, -5.5, 0.0, 8.0, -6.0, 2.5],
        "random_normal": rng.normal(0.0, 1.0, 48),
        "random_normal_wide": rng.normal(0.5, 3.0, 33),
        "heavy_outliers": heavy,
        "all_positive": rng.uniform(0.5, 3.0, 24),
        "all_negative": rng.uniform(-4.0, -0.25, 24),
        "all_zeros": np.zeros(8),
        "constant": np.full(8, 2.75),
        "constant_negative": np.full(5, -1.5),
        "one_element": [0.37],
        "one_element_negative": [-4.2],
        "tiny_1e-8": rng.normal(0.0, 1e-8, 16),
        "below_eps": rng.normal(0.0, 1e-9, 8),
        "large_1e4": rng.normal(0.0, 1e4, 16),
        "signed_zeros": [0.0, -0.0, 0.0, -0.0, 1.5, -0.0, -2.25],
        # absmax 127.5 makes the qint8 symmetric scale exactly 1, so these hit .5 ties.
        "round_half_even_ties": [127.5, -127.5, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 64.5],
    }
    m = rng.normal(0.0, 1.0, (6, 10))
    m[2] = 0.0                               # an all-zero output channel
    m[4] = np.abs(m[4]) + 0.1                # all positive channel
    m[5] = -np.abs(m[5]) - 0.1               # all negative channel
    cols = rng.normal(0.0, 2.0, (5, 7))
    cols[:, 3] = 0.0
    outl = rng.normal(0.0, 0.05, (4, 16))
    outl[1, 5] = 12.0
    outl[3, 0] = -9.5
    per_channel = {
        "matrix_6x10_axis0": (m, 0),
        "matrix_5x7_axis1": (cols, 1),
        "tensor_2x3x4_axis1": (rng.normal(0.0, 1.5, (2, 3, 4)), 1),
        "tensor_2x3x4_axis2": (rng.normal(0.0, 1.5, (2, 3, 4)), 2),
        "outlier_rows_4x16_axis0": (outl, 0),
        # PyTorch's PerChannelMinMaxObserver refuses 1-D input, so the tutorial vector goes in
        # as a [6, 1] column: one channel per element.
        "tutorial_6_column_axis0": (np.array([[3.0], [-5.5], [0.0], [6.0], [-6.0], [2.5]]), 0),
        "large_1e4_3x5_axis0": (rng.normal(0.0, 1e4, (3, 5)), 0),
    }
    return per_tensor, per_channel


# (symmetric, dtype, reduce_range, range variant). The restricted variant is PyTorch's own
# customised range quant_min=-127, quant_max=127 (qint8 only: PyTorch requires 0 in the range).
CONFIGS = []
for symmetric in (True, False):
    for dtype in ("qint8", "quint8"):
        for reduce_range in (False, True):
            CONFIGS.append((symmetric, dtype, reduce_range, "full"))
    for reduce_range in (False, True):
        CONFIGS.append((symmetric, "qint8", reduce_range, "restricted"))

TORCH_DTYPES = {"qint8": torch.qint8, "quint8": torch.quint8}


def floats(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def observer_for(per_channel, symmetric, dtype, reduce_range, variant, axis):
    kwargs = dict(dtype=TORCH_DTYPES[dtype], reduce_range=reduce_range)
    if variant == "restricted":
        kwargs.update(quant_min=-127, quant_max=127)
    if per_channel:
        scheme = torch.per_channel_symmetric if symmetric else torch.per_channel_affine
        return PerChannelMinMaxObserver(ch_axis=axis, qscheme=scheme, **kwargs)
    scheme = torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine
    return MinMaxObserver(qscheme=scheme, **kwargs)


def run_case(name, x, per_channel, axis, symmetric, dtype, reduce_range, variant):
    case = {
        "input": name,
        "granularity": "per_channel" if per_channel else "per_tensor",
        "symmetric": symmetric,
        "dtype": dtype,
        "reduce_range": reduce_range,
        "range": variant,
        "axis": axis if per_channel else None,
    }
    try:
        obs = observer_for(per_channel, symmetric, dtype, reduce_range, variant, axis)
        obs(x)
        scale, zero_point = obs.calculate_qparams()
    except Exception as err:  # PyTorch refuses this combination: the test expects an error too
        case["error"] = " ".join(str(err).split())
        return case
    qmin, qmax = int(obs.quant_min), int(obs.quant_max)
    if per_channel:
        q = torch.quantize_per_channel(x, scale.double(), zero_point.long(), axis, TORCH_DTYPES[dtype])
        fq = torch.fake_quantize_per_channel_affine(x, scale, zero_point.int(), axis, qmin, qmax)
    else:
        q = torch.quantize_per_tensor(x, float(scale.item()), int(zero_point.item()), TORCH_DTYPES[dtype])
        fq = torch.fake_quantize_per_tensor_affine(x, float(scale.item()), int(zero_point.item()), qmin, qmax)
    case.update(
        qmin=qmin,
        qmax=qmax,
        scale=floats(scale.float()),
        zero_point=[int(v) for v in zero_point.reshape(-1).tolist()],
        q=[int(v) for v in q.int_repr().reshape(-1).tolist()],
        dq=floats(q.dequantize()),
        fq=floats(fq),
    )
    return case


def running_cases(per_tensor):
    """An observer fed twice keeps the running min and max (PyTorch's forward)."""
    cases = []
    chunks = ["tutorial_6", "heavy_outliers"]
    for symmetric in (True, False):
        obs = observer_for(False, symmetric, "qint8", False, "full", 0)
        for c in chunks:
            obs(f32(per_tensor[c]))
        scale, zp = obs.calculate_qparams()
        cases.append({"chunks": chunks, "symmetric": symmetric, "dtype": "qint8",
                      "scale": floats(scale.float()), "zero_point": [int(zp.item())]})
    return cases


def main():
    per_tensor, per_channel = make_inputs()
    inputs = {}
    cases = []
    for name, values in per_tensor.items():
        x = f32(values)
        inputs[name] = {"shape": list(x.shape), "values": floats(x)}
        for cfg in CONFIGS:
            cases.append(run_case(name, x, False, None, *cfg))
    for name, (values, axis) in per_channel.items():
        x = f32(values)
        inputs[name] = {"shape": list(x.shape), "values": floats(x)}
        for cfg in CONFIGS:
            cases.append(run_case(name, x, True, axis, *cfg))
    no_data = {}
    for cls in (MinMaxObserver, PerChannelMinMaxObserver):
        scale, zp = cls().calculate_qparams()
        no_data[cls.__name__] = {"scale": floats(scale.float()), "zero_point": [int(v) for v in zp.reshape(-1).tolist()]}
    doc = {
        "generator": "tools/make_fixtures.py",
        "torch_version": torch.__version__,
        "float32_eps": float(torch.finfo(torch.float32).eps),
        "inputs": inputs,
        "cases": cases,
        "running_min_max": running_cases(per_tensor),
        "observer_without_data": no_data,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {OUT} : {len(cases)} cases ({errors} expected errors), torch {torch.__version__}")


if __name__ == "__main__":
    sys.exit(main())
