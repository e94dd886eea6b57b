#!/usr/bin/env python3
"""Write PyTorch 1.13's answers for the functions qlinear mirrors by name to
tests/fixtures/pytorch_api.json:

  * torch.quantize_per_tensor(x, scale, zero_point, dtype).int_repr()
  * torch.quantize_per_channel(x, scales, zero_points, axis, dtype).int_repr()
  * torch._choose_qparams_per_tensor(x, reduce_range)  (dynamic Linear's input qparams)
  * quantize_dynamic(Linear, per_channel_dynamic_qconfig)'s weight().int_repr(),
    q_per_channel_scales() and q_per_channel_zero_points()

Run by hand with Debian's PyTorch (apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tools/make_pytorch_api_fixtures.py

CI never runs this; the JSON is committed. A fixed seed makes re-runs byte-identical.
"""
import json
import pathlib

import torch
from torch import nn
from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pytorch_api.json"
DTYPES = {"qint8": torch.qint8, "quint8": torch.quint8}


def floats(t):
    return [float(v) for v in t.detach().float().reshape(-1).tolist()]


def main():
    torch.manual_seed(11)
    torch.backends.quantized.engine = "onednn"
    out = {"torch_version": torch.__version__, "per_tensor": [], "per_channel": [], "choose_qparams": [], "int_repr": []}

    for dtype, scale, zp in (("quint8", 0.05, 128), ("quint8", 0.013, 0), ("qint8", 0.02, 0), ("qint8", 0.1, -7),
                             ("quint8", 1e-3, 255), ("qint8", 3.0, 127)):
        x = torch.randn(37) * 3
        x[0], x[1] = 1000.0, -1000.0  # clamped
        x[2] = scale * 2.5              # a tie: half to even
        q = torch.quantize_per_tensor(x, scale, zp, DTYPES[dtype])
        out["per_tensor"].append({"x": floats(x), "scale": scale, "zero_point": zp, "dtype": dtype,
                                  "int_repr": q.int_repr().reshape(-1).tolist()})

    for dtype, axis in (("qint8", 0), ("quint8", 1), ("qint8", 1), ("quint8", 0)):
        x = torch.randn(3, 5) * 2
        channels = x.shape[axis]
        scales = (torch.rand(channels) * 0.1 + 0.005).double()
        zps = torch.randint(-20, 20, (channels,)) if dtype == "qint8" else torch.randint(100, 150, (channels,))
        q = torch.quantize_per_channel(x, scales, zps, axis, DTYPES[dtype])
        out["per_channel"].append({"x": floats(x), "shape": list(x.shape), "scales": [float(s) for s in scales.float().tolist()],
                                   "zero_points": zps.tolist(), "axis": axis, "dtype": dtype,
                                   "int_repr": q.int_repr().reshape(-1).tolist()})

    cases = [torch.randn(64), torch.randn(8, 16) * 10, torch.rand(50) + 2.0, -torch.rand(50) - 1.0, torch.zeros(9),
             torch.full((4,), 1e-6), torch.randn(33) * 1e-5, torch.tensor([-3.0, 5.0])]
    for x in cases:
        for reduce_range in (True, False):
            scale, zp = torch._choose_qparams_per_tensor(x, reduce_range)
            out["choose_qparams"].append({"x": floats(x), "reduce_range": reduce_range, "scale": scale, "zero_point": zp})

    for in_f, out_f in ((6, 4), (17, 9)):
        linear = nn.Linear(in_f, out_f)
        qm = quantize_dynamic(nn.Sequential(linear), qconfig_spec={nn.Linear: per_channel_dynamic_qconfig})
        w = qm[0].weight()
        out["int_repr"].append({"weight": floats(linear.weight), "in_features": in_f, "out_features": out_f,
                                "int_repr": w.int_repr().reshape(-1).tolist(),
                                "scales": [float(s) for s in w.q_per_channel_scales().float().tolist()],
                                "zero_points": w.q_per_channel_zero_points().tolist()})

    OUT.write_text(json.dumps(out, indent=0) + "\n")
    print("wrote", OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
