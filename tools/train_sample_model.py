#!/usr/bin/env python3
"""Train the demo model: a small Fashion-MNIST MLP, saved as web/demo/models/fashion_mnist_mlp.safetensors.

Run by hand with Debian's PyTorch and Debian's copy of Fashion-MNIST:

    apt-get install python3-torch python3-numpy dataset-fashion-mnist
    /usr/bin/python3 tools/train_sample_model.py

CI never runs this: the .safetensors file and the .json metadata beside it are committed, so the
demo and the tests use them without torch or the dataset. Fixed seed, one thread: re-runs on the
same machine and PyTorch give the same bytes.

Data: the gzipped IDX files under /usr/share/datasets/fashion-mnist (read directly, no
torchvision). Input preprocessing is deliberately trivial, so the JS side can copy it exactly:
a 28x28 grayscale image, row-major, 784 bytes -> float32 pixel / 255 (a float32 division; the
same as computing p / 255 in double and rounding to float32, but NOT the same as multiplying by
float32(1/255), which differs for 126 of the 256 byte values). No mean/std normalisation.

Model: nn.Sequential(Linear(784, 256), ReLU, Linear(256, 128), ReLU, Linear(128, 10)) -> logits
for the ten classes (CLASSES below). The state_dict keeps nn.Sequential's key names
(0.weight, 0.bias, 2.weight, 2.bias, 4.weight, 4.bias); weights are [out, in] like nn.Linear.

The safetensors file is written by hand (Debian has no safetensors package): 8-byte little-endian
u64 header length N, N bytes of UTF-8 JSON header (padded with trailing spaces so the data starts
at a multiple of 8), then the raw little-endian F32 tensors, contiguous in header order, with
data_offsets relative to the start of the data section. The script reads the file back with a
separate reader and checks every tensor bit for bit.

The metadata JSON records the fp32 test accuracy, the logits of the first test images (for tests
that run the same forward pass), and for comparison the test accuracy of PyTorch's own int8
weight-only quantization of this model: per-output-channel symmetric qint8 weights from
PerChannelMinMaxObserver(ch_axis=0), quantize_per_channel, dequantize, fp32 activations and biases.
"""
import copy
import gzip
import hashlib
import json
import pathlib
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.ao.quantization import PerChannelMinMaxObserver

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT_MODEL = ROOT / "web" / "models" / "fashion_mnist_mlp.safetensors"
OUT_META = ROOT / "web" / "models" / "fashion_mnist_mlp.json"
DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "train_images": DATA / "train-images-idx3-ubyte.gz",
    "train_labels": DATA / "train-labels-idx1-ubyte.gz",
    "test_images": DATA / "t10k-images-idx3-ubyte.gz",
    "test_labels": DATA / "t10k-labels-idx1-ubyte.gz",
}
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
SEED = 20261122
THREADS = 1
EPOCHS = 12
BATCH = 128
LR = 1e-3
N_LOGITS = 4          # first test images whose logits go into the metadata


# -------------------------------------------------------------------------------------- data
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """An IDX file (optionally gzipped): magic 0 0 <dtype> <ndim>, ndim big-endian u32 dims, data."""
    raw = pathlib.Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic {raw[:4].hex()})")
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    body = raw[4 + 4 * ndim:]
    if len(body) != int(np.prod(dims)) * dtype.itemsize:
        raise ValueError(f"{path}: {len(body)} data bytes for dims {dims}")
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def load_split(images_path, labels_path):
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    assert images.ndim == 3 and images.shape[1:] == (28, 28) and images.dtype == np.uint8
    assert labels.shape == (images.shape[0],) and labels.max() < len(CLASSES)
    # The documented preprocessing: row-major 784 bytes -> float32 pixel / 255.
    x = torch.from_numpy(images.reshape(-1, 784).astype(np.float32)) / 255.0
    assert x.dtype == torch.float32
    return x, torch.from_numpy(labels.astype(np.int64))


# ------------------------------------------------------------------------------------- model
def make_model():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def train(model, x, y):
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(x.shape[0], generator=gen)
        total = 0.0
        for start in range(0, x.shape[0], BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += float(loss) * idx.numel()
        print(f"  epoch {epoch + 1}/{EPOCHS}: train loss {total / x.shape[0]:.4f}", flush=True)
    model.eval()


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    return int((model(x).argmax(dim=1) == y).sum()) / x.shape[0]


@torch.no_grad()
def weight_only_int8(model):
    """PyTorch's per-channel symmetric qint8 weights, dequantized; biases and activations fp32."""
    qmodel = copy.deepcopy(model)
    for layer in qmodel:
        if isinstance(layer, nn.Linear):
            obs = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
            obs(layer.weight)
            scale, zero_point = obs.calculate_qparams()
            q = torch.quantize_per_channel(layer.weight, scale, zero_point, 0, torch.qint8)
            layer.weight.copy_(q.dequantize())
    return qmodel


# ------------------------------------------------------------------------------- safetensors
def write_safetensors(path, tensors, metadata):
    """tensors: ordered dict name -> float32 tensor. metadata: dict str -> str."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        arr = t.detach().cpu().contiguous().numpy()
        assert arr.dtype == np.float32
        data = arr.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """An independent reader: returns (metadata, {name: numpy array}), checking the layout."""
    raw = pathlib.Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    assert (8 + n) % 8 == 0, "data section not 8-byte aligned"
    metadata = header.pop("__metadata__", {})
    tensors = {}
    expect = 0
    for name, info in header.items():          # json keeps file order
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32" and begin == expect, f"{name}: gap or bad dtype"
        assert end - begin == 4 * int(np.prod(info["shape"])), f"{name}: size mismatch"
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
        expect = end
    assert expect == len(data), "trailing bytes after the last tensor"
    return metadata, tensors


# -------------------------------------------------------------------------------------- main
def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    for p in FILES.values():
        if not p.exists():
            sys.exit(f"missing {p}: apt-get install dataset-fashion-mnist")
    x_train, y_train = load_split(FILES["train_images"], FILES["train_labels"])
    x_test, y_test = load_split(FILES["test_images"], FILES["test_labels"])
    print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}, torch {torch.__version__}, "
          f"{THREADS} thread(s)")

    model = make_model()
    t0 = time.perf_counter()
    train(model, x_train, y_train)
    seconds = time.perf_counter() - t0
    acc = accuracy(model, x_test, y_test)
    acc_q = accuracy(weight_only_int8(model), x_test, y_test)
    print(f"trained {EPOCHS} epochs in {seconds:.1f} s; fp32 test accuracy {acc:.4f}, "
          f"PyTorch weight-only int8 {acc_q:.4f}")

    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    write_safetensors(OUT_MODEL, state, {
        "format": "pt",
        "generator": "tools/train_sample_model.py",
        "architecture": "784-256-128-10 ReLU nn.Sequential",
        "input": "28x28 grayscale, row-major, pixel/255 as float32",
    })
    _, back = read_safetensors(OUT_MODEL)
    assert list(back) == list(state)
    for name, t in state.items():
        ref = t.numpy()
        assert back[name].shape == ref.shape and back[name].tobytes() == ref.tobytes(), name
    # The forward pass from the re-read weights gives the same logits.
    reread = make_model()
    reread.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in back.items()})
    reread.eval()
    with torch.no_grad():
        logits = model(x_test[:N_LOGITS])
        assert torch.equal(logits, reread(x_test[:N_LOGITS]))

    meta = {
        "generator": "tools/train_sample_model.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "threads": THREADS,
        "epochs": EPOCHS,
        "batch_size": BATCH,
        "optimizer": f"Adam lr={LR}",
        "architecture": "784-256-128-10 ReLU nn.Sequential",
        "state_dict_keys": list(state),
        "input": "28x28 grayscale, row-major, pixel/255 as float32",
        "classes": CLASSES,
        "fp32_test_accuracy": acc,
        "pytorch_weight_only_int8_test_accuracy": acc_q,
        "pytorch_weight_only_int8": "PerChannelMinMaxObserver(ch_axis=0, dtype=qint8, "
                                    "qscheme=per_channel_symmetric) on each Linear weight, "
                                    "quantize_per_channel, dequantize; fp32 biases and activations",
        "test_images": str(FILES["test_images"]),
        "test_labels": str(FILES["test_labels"]),
        "first_test_labels": [int(v) for v in y_test[:N_LOGITS]],
        "first_test_logits": [[float(v) for v in row] for row in logits.tolist()],
        "first_test_predictions": [int(v) for v in logits.argmax(dim=1)],
        "safetensors_sha256": hashlib.sha256(OUT_MODEL.read_bytes()).hexdigest(),
    }
    # One key per line, values compact: small, readable, diff-friendly.
    lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in meta.items()]
    OUT_META.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {OUT_MODEL} ({OUT_MODEL.stat().st_size} bytes) and {OUT_META}")


if __name__ == "__main__":
    sys.exit(main())
