#!/usr/bin/env python3
"""Write PyTorch 1.13's eager-mode static quantization with its default qconfigs to
tests/fixtures/default_qconfig.json:

    model.qconfig = torch.ao.quantization.get_default_qconfig(backend)
    prepare(model); model(batch) for each calibration batch; convert(model)

for backend in fbgemm, qnnpack, x86 and onednn, on the seed's Linear(6, 1, bias=False) (its
weight [3, -5.5, 0, 6, -6, 2.5]) and two MLPs whose Linear + ReLU pairs are fused
(fuse_modules), so that each Linear's output observer sees what the next Linear takes in, as
qlinear's prepare() observes every layer's input. Per model the file holds the float weights and
biases, the calibration batches, a test input and, per Linear: what it took in during
calibration (PyTorch's fp32 activations), the integer weight
(weight().int_repr()), its scales and zero points, and its input scale / zero point (QuantStub's
for the first, the previous fused module's output qparams after it); then the last Linear's
output qparams and PyTorch's quantized output (int_repr before DeQuantStub).

Run by hand with Debian's PyTorch (apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tools/make_default_qconfig_fixtures.py

This PyTorch has no FBGEMM engine: the fbgemm and x86 qconfigs' models are packed and run on
oneDNN (the qconfig decides the observers, the engine only how the integer product runs);
qnnpack's on QNNPACK. CI never runs this; the JSON is committed. Fixed seeds make re-runs
byte-identical.
"""
import json
import pathlib

import torch
from torch import nn
from torch.ao.quantization import DeQuantStub, QuantStub, convert, fuse_modules, get_default_qconfig, prepare

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "default_qconfig.json"
ENGINES = {"fbgemm": "onednn", "qnnpack": "qnnpack", "x86": "onednn", "onednn": "onednn"}


def floats(t):
    return [float(v) for v in t.detach().float().reshape(-1).tolist()]


class Quantized(nn.Module):
    """QuantStub -> the layers -> DeQuantStub, as eager-mode static quantization needs."""

    def __init__(self, layers):
        super().__init__()
        self.quant = QuantStub()
        self.layers = layers
        self.dequant = DeQuantStub()

    def forward(self, x):
        return self.dequant(self.layers(self.quant(x)))


def mlp(widths, bias=True):
    mods = []
    for i in range(len(widths) - 1):
        mods.append(nn.Linear(widths[i], widths[i + 1], bias=bias))
        if i + 2 < len(widths):
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def case(name, backend, layers, calibration, x):
    torch.backends.quantized.engine = ENGINES[backend]
    linears = [m for m in layers if isinstance(m, nn.Linear)]
    entry = {"name": name, "backend": backend, "layers": [], "calibration": [floats(c) for c in calibration],
             "batches": [int(c.shape[0]) for c in calibration], "x": floats(x), "batch": int(x.shape[0])}
    for i, lin in enumerate(linears):
        relu = i + 1 < len(linears)
        entry["layers"].append({"in_features": lin.in_features, "out_features": lin.out_features, "relu": relu,
                                "weight": floats(lin.weight), "bias": floats(lin.bias) if lin.bias is not None else None})
    # What each Linear takes in during calibration, from PyTorch's own fp32 matmuls (the fused
    # LinearReLU observed in prepare() calls the same F.linear): qlinear's fp32 Linear adds in
    # another order, so a later layer's observed range may differ from these in the last bits.
    with torch.no_grad():
        for i, lin in enumerate(linears):
            seen = []
            for c in calibration:
                h = c
                for lower in linears[:i]:
                    h = torch.relu(lower(h))
                seen.append(floats(h))
            entry["layers"][i]["calibration_inputs"] = seen
    model = Quantized(layers).eval()
    # Linear + ReLU pairs fused: indices of each Linear followed by its ReLU in the Sequential.
    pairs = [[f"layers.{k}", f"layers.{k + 1}"] for k, m in enumerate(layers)
             if isinstance(m, nn.Linear) and k + 1 < len(layers) and isinstance(layers[k + 1], nn.ReLU)]
    if pairs:
        model = fuse_modules(model, pairs)
    model.qconfig = get_default_qconfig(backend)
    prepare(model, inplace=True)
    with torch.no_grad():
        for c in calibration:
            model(c)
    convert(model, inplace=True)
    quantized = [m for m in model.layers if hasattr(m, "weight") and callable(m.weight)]
    in_scale, in_zp = float(model.quant.scale), int(model.quant.zero_point)
    for layer, q in zip(entry["layers"], quantized):
        w = q.weight()
        if w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
            scales, zps = w.q_per_channel_scales().float().tolist(), w.q_per_channel_zero_points().tolist()
        else:
            scales, zps = [float(w.q_scale())], [int(w.q_zero_point())]
        layer.update({"int_repr": w.int_repr().reshape(-1).tolist(), "scales": scales, "zero_points": zps,
                      "input_scale": in_scale, "input_zero_point": in_zp})
        in_scale, in_zp = float(q.scale), int(q.zero_point)
    entry["output_scale"], entry["output_zero_point"] = in_scale, in_zp
    with torch.no_grad():
        out_q = model.layers(model.quant(x))
    entry["output_int_repr"] = out_q.int_repr().reshape(-1).tolist()
    entry["output"] = floats(out_q.dequantize())
    return entry


def main():
    torch.manual_seed(5)
    out = {"torch_version": torch.__version__, "cases": []}
    for backend in ("fbgemm", "qnnpack", "x86", "onednn"):
        seed = nn.Sequential(nn.Linear(6, 1, bias=False))
        seed[0].weight = nn.Parameter(torch.tensor([[3.0, -5.5, 0.0, 6.0, -6.0, 2.5]]))
        calibration = [torch.randn(4, 6) * 2 for _ in range(3)]
        out["cases"].append(case("seed Linear(6, 1)", backend, seed, calibration, torch.randn(5, 6) * 2))
        # Growing and shrinking ranges across batches, so the histograms are merged.
        calibration = [torch.randn(8, 16), torch.randn(8, 16) * 4, torch.rand(8, 16) * 0.5]
        out["cases"].append(case("MLP 16-32-8", backend, mlp([16, 32, 8]), calibration, torch.randn(6, 16) * 2))
        calibration = [torch.randn(16, 20) * 3 for _ in range(4)]
        out["cases"].append(case("MLP 20-24-24-5", backend, mlp([20, 24, 24, 5]), calibration, torch.randn(7, 20) * 3))
    OUT.write_text(json.dumps(out, indent=0) + "\n")
    print("wrote", OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
