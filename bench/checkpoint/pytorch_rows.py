"""The PyTorch side of bench/checkpoint/run.mjs: the same per-row int8 quantization qlinear's
bitsandbytes output computes (w16 = W.half(); SCB = |w16| row max; q = round(w16 * (127 / SCB))),
of the same GPT-2 Conv1D tensors (transposed to [out, in]), one thread, reading the safetensors
file with numpy's memmap. Prints the seconds it took. /usr/bin/python3 pytorch_rows.py FILE"""
import json
import struct
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
path = sys.argv[1]
started = time.perf_counter()
with open(path, "rb") as f:
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
total = 0
for name, t in header.items():
    if name == "__metadata__" or not name.endswith((".c_attn.weight", ".c_proj.weight", ".c_fc.weight")):
        continue
    begin, end = t["data_offsets"]
    w = torch.from_numpy(np.frombuffer(data[begin:end], dtype=np.float32).reshape(t["shape"])).t()
    w16 = w.half()
    scb = w16.abs().max(dim=1).values.float()
    q = torch.round(w16.float() * (127.0 / scb).unsqueeze(1)).to(torch.int8)
    total += q.numel()
print(f"quantized {total} weights in {time.perf_counter() - started:.2f} s")
