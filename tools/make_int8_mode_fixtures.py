#!/usr/bin/env python3
"""Write PyTorch-made fixtures for issue 7's modes to tests/fixtures/int8_modes.json.

Run by hand with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 tools/make_int8_mode_fixtures.py

CI never runs this; the JSON is committed. Fixed seeds make re-runs byte-identical.

* moving_average: torch.ao.quantization.MovingAverageMinMaxObserver fed a sequence of batches:
  its min_val / max_val after every batch and the final scale / zero point.
* llm_int8: LLM.int8() as bitsandbytes computes it on CPU (its "default" backend ops:
  int8_vectorwise_quant with a threshold, int8_scaled_mm, the outlier addmm), re-expressed here
  in torch from those ops' definitions because bitsandbytes itself is not packaged for Debian.
  The file holds the inputs, the float32 weight, the bitsandbytes-style int8 weight (CB) and
  row absmax (SCB), the activations' int8 values, row absmax and outlier columns, and the output.
* static: a static W8A8 layer as PyTorch defines its pieces: input observed by MinMaxObserver
  (quint8, per_tensor_affine, with and without reduce_range: the scale is then computed for
  [0, 127] but quantize_per_tensor still clamps to [0, 255]), weight by PerChannelMinMaxObserver (qint8, symmetric), both
  quantized with quantize_per_tensor / quantize_per_channel, and the output computed in float64
  from the dequantized integers (qlinear returns fp32 rather than re-quantizing the output).
"""
import json
import pathlib

import torch
from torch.ao.quantization import MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "int8_modes.json"


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def moving_average_cases(g):
    cases = []
    for constant, symmetric in [(0.01, False), (0.5, False), (0.3, True)]:
        qscheme = torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine
        observer = MovingAverageMinMaxObserver(averaging_constant=constant, dtype=torch.quint8, qscheme=qscheme)
        batches, mins, maxs = [], [], []
        for i in range(6):
            x = torch.randn(37, generator=g) * (1 + i) + 0.5 * i
            observer(x)
            batches.append(floats(x))
            mins.append(float(observer.min_val))
            maxs.append(float(observer.max_val))
        scale, zero_point = observer.calculate_qparams()
        cases.append({"averaging_constant": constant, "symmetric": symmetric, "batches": batches,
                      "min_val": mins, "max_val": maxs, "scale": float(scale), "zero_point": int(zero_point)})
    return cases


def bnb_vectorwise_quant(A, threshold):
    """bitsandbytes' int8_vectorwise_quant (default backend), for a 2-D float32 A."""
    A = A.clone()
    outlier_cols = torch.empty(0, dtype=torch.int64)
    if threshold > 0.0:
        outliers = A.abs() >= threshold
        if outliers.any():
            outlier_cols = torch.argwhere(outliers.any(dim=0)).view(-1)
            A[outliers] = 0
    row_stats = torch.max(A.abs(), dim=1).values.float()
    out_row = torch.round(A * (127.0 / row_stats.unsqueeze(-1))).to(torch.int8)
    if A.shape[0] > 1 and outlier_cols.numel():
        out_row[:, outlier_cols] = 0
    return out_row, row_stats, outlier_cols


def bnb_linear(x, CB, SCB, bias, threshold):
    """MatMul8bitLt's inference path: int8 part, dequantized, plus the fp32 outlier part."""
    CA, SCA, outlier_cols = bnb_vectorwise_quant(x, threshold)
    acc = (CA.to(torch.int64) @ CB.to(torch.int64).t()).to(torch.int32)  # int8_linear_matmul
    out = acc.float() * (SCA.unsqueeze(-1) * SCB.unsqueeze(0)) * 6.200124e-05 + bias  # int8_mm_dequant
    if outlier_cols.numel():
        subA = x[:, outlier_cols]
        subB = (CB[:, outlier_cols].float() * SCB.unsqueeze(-1) * 7.874016e-3).t()  # int8_vectorwise_dequant
        out = out.addmm(subA, subB)
    return out, CA, SCA, outlier_cols


def llm_int8_cases(g):
    cases = []
    for batch, in_features, out_features, outlier_columns, threshold in [
            (1, 24, 5, 1, 6.0), (4, 64, 9, 3, 6.0), (7, 130, 17, 5, 6.0), (3, 40, 6, 0, 6.0), (5, 33, 4, 2, 3.0)]:
        bound = 1.0 / in_features ** 0.5
        weight = (torch.rand(out_features, in_features, generator=g) * 2 - 1) * bound
        bias = (torch.rand(out_features, generator=g) * 2 - 1) * bound
        x = torch.randn(batch, in_features, generator=g)
        columns = torch.randperm(in_features, generator=g)[:outlier_columns]
        for c in columns.tolist():
            x[:, c] = torch.sign(x[:, c]) * (threshold + 1 + 20 * torch.rand(batch, generator=g))
        # Linear8bitLt's weight: row-wise absmax int8 (int8_vectorwise_quant without threshold).
        CB, SCB, _ = bnb_vectorwise_quant(weight, 0.0)
        out, CA, SCA, cols = bnb_linear(x, CB, SCB, bias, threshold)
        cases.append({"batch": batch, "in_features": in_features, "out_features": out_features,
                      "threshold": threshold, "x": floats(x), "weight": floats(weight), "bias": floats(bias),
                      "CB": [int(v) for v in CB.reshape(-1).tolist()], "SCB": floats(SCB),
                      "CA": [int(v) for v in CA.reshape(-1).tolist()], "SCA": floats(SCA),
                      "outlier_columns": [int(c) for c in cols.tolist()], "output": floats(out)})
    return cases


def static_cases(g):
    cases = []
    for batch, in_features, out_features, reduce_range in [(3, 17, 5, False), (8, 64, 33, False), (4, 20, 3, True)]:
        bound = 1.0 / in_features ** 0.5
        weight = (torch.rand(out_features, in_features, generator=g) * 2 - 1) * bound
        bias = (torch.rand(out_features, generator=g) * 2 - 1) * bound
        calibration = [torch.randn(batch, in_features, generator=g) * 2 for _ in range(3)]
        observer = MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine, reduce_range=reduce_range)
        for c in calibration:
            observer(c)
        scale, zero_point = observer.calculate_qparams()
        weight_observer = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
        weight_observer(weight)
        w_scale, w_zero_point = weight_observer.calculate_qparams()
        w_q = torch.quantize_per_channel(weight, w_scale, w_zero_point, 0, torch.qint8)
        x = torch.randn(batch, in_features, generator=g) * 3  # wider than calibration: some inputs clamp
        x_q = torch.quantize_per_tensor(x, float(scale), int(zero_point), torch.quint8)
        out = x_q.dequantize().double() @ w_q.dequantize().double().t() + bias.double()
        cases.append({"batch": batch, "in_features": in_features, "out_features": out_features,
                      "reduce_range": reduce_range, "calibration": [floats(c) for c in calibration], "weight": floats(weight),
                      "bias": floats(bias), "input_scale": float(scale), "input_zero_point": int(zero_point),
                      "x": floats(x), "x_q": [int(v) for v in x_q.int_repr().reshape(-1).tolist()],
                      "output": [float(v) for v in out.reshape(-1).tolist()]})
    return cases


def main():
    g = torch.Generator().manual_seed(7)
    fixtures = {"torch_version": torch.__version__, "moving_average": moving_average_cases(g),
                "llm_int8": llm_int8_cases(g), "static": static_cases(g)}
    OUT.write_text(json.dumps(fixtures, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
