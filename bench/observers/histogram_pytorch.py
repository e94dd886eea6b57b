#!/usr/bin/env python3
"""PyTorch 1.13's HistogramObserver on the tensors bench/observers/histogram.mjs wrote (one
thread): the median milliseconds of observe + calculate_qparams, one call and two calls, with
the scale and zero point. Prints JSON."""
import json
import statistics
import sys
import time

import numpy as np
import torch
from torch.ao.quantization import HistogramObserver

torch.set_num_threads(1)
folder, runs = sys.argv[1], int(sys.argv[2])
first = torch.from_numpy(np.fromfile(f"{folder}/first.f32", dtype=np.float32))
second = torch.from_numpy(np.fromfile(f"{folder}/second.f32", dtype=np.float32))
out = {}
for key, tensors in (("one", [first]), ("two", [first, second])):
    times = []
    for r in range(runs + 1):
        t0 = time.perf_counter()
        observer = HistogramObserver()
        for x in tensors:
            observer(x)
        scale, zero_point = observer.calculate_qparams()
        if r > 0:
            times.append((time.perf_counter() - t0) * 1000)
    out[key] = {"ms": statistics.median(times), "scale": float(scale), "zero_point": int(zero_point)}
print(json.dumps(out))
