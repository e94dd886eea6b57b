#!/usr/bin/python3
"""PyTorch's own int8 path on issue 8's workloads, beside qlinear's native BM_model benchmarks.

torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8) on the onednn
engine (Debian's python3-torch 1.13 has no fbgemm), on 1 thread and then on 2
(torch.set_num_threads), fp32 model as a reference too. Prints the median ms per forward of each
case. Not a test and not a CI dependency:

    /usr/bin/python3 bench/native/pytorch_dynamic.py [repeats] [thread counts, e.g. 1,2]
"""
import sys
import time

import torch
from torch import nn

WORKLOADS = {
    "W1": [4096, 4096],
    "W2": [1024, 4096, 1024],
    "W3": [784, 1024, 1024, 10],
    "W4": [64, 128, 256, 128, 1, 9],
}
CASES = [("W1", 1), ("W2", 1), ("W2", 16), ("W2", 128), ("W3", 1), ("W3", 64), ("W4", 1)]


def mlp(dims):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i + 2 < len(dims):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).eval()


def median_ms(fn, repeats):
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while True:  # a sample lasts at least 10 ms
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.01:
                break
        samples.append(elapsed / n * 1e3)
    samples.sort()
    return samples[len(samples) // 2]


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    thread_counts = [int(t) for t in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1, 2]
    torch.backends.quantized.engine = "onednn"
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, engine {torch.backends.quantized.engine}")
    print("| workload | batch | threads | PyTorch fp32 ms | PyTorch quantize_dynamic (onednn) ms | int8 GMAC/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for name, batch in CASES:
            dims = WORKLOADS[name]
            fp32 = mlp(dims)
            int8 = torch.ao.quantization.quantize_dynamic(fp32, {nn.Linear}, dtype=torch.qint8)
            x = torch.randn(batch, dims[0])
            with torch.no_grad():
                t32 = median_ms(lambda: fp32(x), repeats)
                t8 = median_ms(lambda: int8(x), repeats)
            macs = sum(dims[i] * dims[i + 1] for i in range(len(dims) - 1)) * batch
            print(f"| {name} | {batch} | {torch.get_num_threads()} | {t32:.3g} | {t8:.3g} | {macs / t8 / 1e6:.1f} |")


if __name__ == "__main__":
    main()
