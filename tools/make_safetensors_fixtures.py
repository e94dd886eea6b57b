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
  named_gelu_f32.safetensors              {encoder, head} Linears with GELU between (needs a spec)
  expected.json                           inputs and PyTorch's outputs for each file
"""
import json
import pathlib
import struct

import numpy as np
import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "safetensors"
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


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
    expected["torch_version"] = torch.__version__
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print("wrote", sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
