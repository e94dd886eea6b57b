#!/usr/bin/env python3
"""Write small PyTorch-made safetensors files and PyTorch's outputs for them.

Run by hand with Debian's PyTorch (apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tools/make_safetensors_fixtures.py

CI never runs this: the files are committed. There is no safetensors Python package here, so
the files are written with the format's layout directly (8-byte little-endian header length,
JSON header, raw little-endian tensor bytes), as PyTorch users' files are.

Writes to tests/fixtures/safetensors/:
  sequential_f32.safetensors, _f16, _bf16  nn.Sequential(Linear(16,32), ReLU, Linear(32,8), ReLU,
                                          Linear(8,4)) state_dict in three dtypes
  named_gelu_f32.safetensors              {encoder, head} Linears with GELU between (a spec names GELU)
  wrapped_sequential_f32.safetensors      self.net = nn.Sequential(...): keys net.0.*, net.2.*, net.4.*
  named_fc_f32.safetensors                fc1, fc2, fc3 applied with F.relu in forward()
  sequential_batchnorm_f32.safetensors    nn.Sequential with BatchNorm1d after a Linear and before one
  named_batchnorm_f32.safetensors         fc1, bn1, fc2, bn2, fc3 (relu(bn(fc(x))))
  expected.json                           inputs and PyTorch's outputs for each file
"""
import json
import pathlib
import struct

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "safetensors"
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def tensor_bytes(t):
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: take the raw 16-bit patterns
        return t.contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
    return t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def floats(t):
    return [float(v) for v in t.detach().float().reshape(-1).tolist()]


class Wrapped(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16, 20), nn.ReLU(), nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 4))

    def forward(self, x):
        return self.net(x)


class NamedFc(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(16, 24), nn.Linear(24, 24), nn.Linear(24, 4)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class NamedBatchNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn1 = nn.Linear(16, 24), nn.BatchNorm1d(24)
        self.fc2, self.bn2 = nn.Linear(24, 12), nn.BatchNorm1d(12)
        self.fc3 = nn.Linear(12, 4)

    def forward(self, x):
        return self.fc3(F.relu(self.bn2(self.fc2(F.relu(self.bn1(self.fc1(x)))))))


def train_statistics(model):
    """Running statistics and affine parameters far from their defaults, as a trained model has."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.weight.uniform_(0.5, 2.0)
                m.bias.uniform_(-0.5, 0.5)
        model.train()
        for _ in range(20):
            model(torch.randn(64, 16) * 1.5 + 0.3)
    return model.eval()


def add_layout_fixtures(x, expected):
    """State dicts laid out as common PyTorch MLPs are, loaded without a spec."""
    models = {
        "wrapped_sequential_f32.safetensors": (Wrapped(), ["net.0", "net.2", "net.4"], []),
        "named_fc_f32.safetensors": (NamedFc(), ["fc1", "fc2", "fc3"], []),
        "sequential_batchnorm_f32.safetensors": (
            nn.Sequential(nn.Linear(16, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Linear(24, 12), nn.ReLU(),
                          nn.BatchNorm1d(12), nn.Linear(12, 4)),
            ["0", "3", "6"], [{"batchNorm": "1", "layer": "0", "position": "after"},
                              {"batchNorm": "5", "layer": "6", "position": "before"}]),
        "named_batchnorm_f32.safetensors": (
            NamedBatchNorm(), ["fc1", "fc2", "fc3"], [{"batchNorm": "bn1", "layer": "fc1", "position": "after"},
                                                      {"batchNorm": "bn2", "layer": "fc2", "position": "after"}]),
    }
    for seed, (name, (model, layers, folds)) in enumerate(models.items(), start=20):
        torch.manual_seed(seed)
        for p in model.parameters():  # fresh values per model, independent of construction order
            with torch.no_grad():
                p.uniform_(-0.4, 0.4)
        model = train_statistics(model)
        with torch.no_grad():
            y = model(x)
        write_safetensors(OUT / name, {k: v.detach() for k, v in model.state_dict().items()}, {"format": "pt"})
        expected["files"][name] = {"output": floats(y), "layers": layers, "batchNorms": folds}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(7)
    seq = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8), nn.ReLU(), nn.Linear(8, 4)).eval()
    x = torch.randn(5, 16)
    expected = {"input": {"batch": 5, "features": 16, "values": floats(x)}, "files": {}}
    for dtype, suffix in ((torch.float32, "f32"), (torch.float16, "f16"), (torch.bfloat16, "bf16")):
        state = {k: v.to(dtype) for k, v in seq.state_dict().items()}
        name = f"sequential_{suffix}.safetensors"
        write_safetensors(OUT / name, state, {"format": "pt"})
        # What a reader that widens the stored values to float32 must compute.
        widened = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8), nn.ReLU(), nn.Linear(8, 4)).eval()
        widened.load_state_dict({k: v.float() for k, v in state.items()})
        with torch.no_grad():
            expected["files"][name] = {"output": floats(widened(x)), "layers": ["0", "2", "4"]}

    torch.manual_seed(8)
    encoder, head = nn.Linear(16, 12), nn.Linear(12, 3)
    with torch.no_grad():
        y = head(nn.functional.gelu(encoder(x)))
    state = {"encoder.weight": encoder.weight, "encoder.bias": encoder.bias,
             "head.weight": head.weight, "head.bias": head.bias}
    write_safetensors(OUT / "named_gelu_f32.safetensors", {k: v.detach() for k, v in state.items()})
    expected["files"]["named_gelu_f32.safetensors"] = {
        "output": floats(y),
        "spec": {"layers": [{"name": "encoder", "activation": "gelu"}, {"name": "head"}]},
    }
    add_layout_fixtures(x, expected)
    expected["torch_version"] = torch.__version__
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print("wrote", sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
