#!/usr/bin/env python3
"""Write PyTorch-made Linear / QuantLinear / MLP forward fixtures to tests/fixtures/mlp_models.json.

Run by hand with Debian's PyTorch (apt-get install python3-torch python3-numpy):

    /usr/bin/python3 tools/make_model_fixtures.py

CI never runs this: the JSON it writes is committed, so the C++ and JS tests compare qlinear
against PyTorch 1.13 itself without needing torch. Fixed seeds make re-runs byte-identical.

Per model the file holds the float32 weights and biases, three inputs, and the outputs of:
  * fp32: model(x) in eval mode under no_grad;
  * weight_only: the tutorial's QuantLinear, fixed to honour the zero point: each non-excluded
    Linear's weight goes through a MinMaxObserver / PerChannelMinMaxObserver (qint8, symmetric or
    affine), torch.quantize_per_tensor / quantize_per_channel, dequantize, and the layer runs
    F.linear(x, w_hat, bias) in float32;
  * dynamic: torch.ao.quantization.quantize_dynamic on the 'onednn' engine (this PyTorch has no
    FBGEMM), default_dynamic_qconfig or per_channel_dynamic_qconfig.

The dynamic outputs come from a freshly quantized copy of the model for every input. PyTorch's
onednn dynamic linear caches one primitive per packed weight on its first call; a later call with
a different activation scale / zero point / shape takes another code path whose float rounding
differs (see DYNAMIC_ACTIVATION_RULE), so outputs of a reused module depend on call history.

reference_dynamic_forward() re-implements the dynamic path in numpy from the float weights; the
script prints its max abs difference from PyTorch for every model / input / per_channel case and
fails if they disagree.
"""
import base64
import copy
import json
import pathlib
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import (MinMaxObserver, PerChannelMinMaxObserver, default_dynamic_qconfig,
                                   per_channel_dynamic_qconfig, quantize_dynamic)

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mlp_models.json"
ENGINE = "onednn"
F32 = np.float32
SMALL_SCALE_THRESHOLD = F32(6.1e-5)   # quant_utils::SMALL_SCALE_THRESHOLD (fp16 min normal)

DYNAMIC_ACTIVATION_RULE = (
    "PyTorch 1.13 quantized::linear_dynamic, onednn engine (PackedLinearWeightsOnednn::apply_dynamic; "
    "nn.quantized.dynamic.Linear passes reduce_range=True). One scale and zero point for the WHOLE "
    "input tensor (all rows of the batch together, not per row): x_min, x_max = aminmax(x) over every "
    "element. qparams = quant_utils::ChooseQuantizationParams(x_min, x_max, qmin=0, qmax=255, "
    "preserve_sparsity=false, force_scale_power_of_two=false, reduce_range=true), i.e. quint8 with the "
    "range halved to qmin=0, qmax=127: min=min(x_min,0), max=max(x_max,0) (float32); scale = "
    "(double(max) - double(min)) / 127 in double; if float(scale)==0 or 1/float(scale) is inf then "
    "scale = 0.1 (an all-zero input gets scale 0.1, zero point 0); if scale < 6.1e-5f then scale = "
    "6.1e-5f and min/max are widened (min==0: max=6.1e-5f*127; max==0: min=-6.1e-5f*127; else both "
    "multiplied by float(6.1e-5f/float(old scale))); zero point in double: zp_min = qmin - min/scale, "
    "zp_max = qmax - max/scale, take zp_min if (|qmin| - |min/scale|) < (|qmax| - |max/scale|) else "
    "zp_max; clamp to [0,127] else nearbyint (half to even). scale stays double. Activation quantize "
    "(oneDNN reorder f32->u8): inv = float(1.0/scale); q = clamp(rint_half_even(float(x*inv) + zp), 0, "
    "255) - the zero point is added BEFORE rounding, unlike torch.quantize_per_tensor (a tie test "
    "confirms it). Weights: qint8 symmetric (zero point 0), per tensor or per output channel; "
    "w_inv = float(1.0/double(w_scale)). acc[n,o] = sum_k (q[n,k]-zp) * wq[o,k] exactly in int32. "
    "Output (float32, bit-exact on the first call of a freshly quantized module): bs = float(inv * "
    "w_inv[o]); os = float(1/bs); y = float(float(float(acc) + float(bias[o]*bs)) * os) - i.e. "
    "y = acc * (x_scale * w_scale) + bias up to float rounding (the bias is folded into accumulator "
    "units, not rounded to int32). ReLU is a separate float op. Quirk: the packed weight caches one "
    "oneDNN primitive on its FIRST call (key: scale, zero point, input shape, threads); later calls "
    "with another key and batch > 1 compute y = float(float(float(float(sum_k q*wq) + float(bias*bs)) "
    "- float(zp*sum_k wq)) * os) (zero point applied as a float compensation after the bias), which "
    "differs by an ulp or so; batch 1 misses still match the first-call formula. The fixture's "
    "dynamic outputs therefore use a fresh quantize_dynamic(copy.deepcopy(model)) per input."
)


# ----------------------------------------------------------------------------------- models
class FourLayerModel(nn.Module):
    """The tutorial's model (seed 000): 64 -> 128 -> 256 -> 128 -> 1 -> 9."""

    def __init__(self, input_size=64):
        super().__init__()
        self.layer1 = nn.Linear(input_size, 128)
        self.layer2 = nn.Linear(128, 256)
        self.layer3 = nn.Linear(256, 128)
        self.layer4 = nn.Linear(128, 1)
        self.layer5 = nn.Linear(1, 9)

    def forward(self, x):
        x = torch.relu(self.layer1(x))
        x = torch.relu(self.layer2(x))
        x = torch.relu(self.layer3(x))
        x = torch.relu(self.layer4(x))
        return self.layer5(x)


def build_four_layer():
    return FourLayerModel(input_size=64), ["relu", "relu", "relu", "relu", "identity"]


def build_mlp():
    return nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 10)), ["relu", "identity"]


# name, seed (torch.manual_seed before building), builder, exclude list for weight_only
MODELS = [
    ("four_layer", 20260101, build_four_layer, ["layer1", "layer5"]),
    ("mlp_256_512_10", 20260202, build_mlp, ["0"]),
]


def linears(model):
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)]


def make_inputs(seed, in_features):
    """torch.randn inputs like the tutorial's torch.randn(1, 64); the generator seed is seed + 1."""
    g = torch.Generator().manual_seed(seed + 1)
    one_row = torch.randn(1, in_features, generator=g)
    batch_8 = torch.randn(8, in_features, generator=g)
    outlier = torch.randn(3, in_features, generator=g)
    outlier[1] *= 20.0   # one loud row: one activation scale for the batch squashes the other rows
    return [("one_row", one_row), ("batch_8", batch_8), ("outlier_row", outlier)]


# ----------------------------------------------------------------------------------- helpers
def b64(t):
    a = np.ascontiguousarray(np.asarray(t.detach().numpy() if torch.is_tensor(t) else t, dtype="<f4"))
    return base64.b64encode(a.tobytes()).decode("ascii")


def floats(t):
    a = t.detach().numpy() if torch.is_tensor(t) else np.asarray(t)
    out = []
    for v in a.reshape(-1).tolist():
        f = float(F32(v))
        assert f == float(v) or not np.isfinite(f), "value is not a float32"
        out.append(f)
    return out


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


# ----------------------------------------------------------------------------------- weight-only
def weight_only_case(model, symmetric, per_channel, exclude, inputs):
    qmodel = copy.deepcopy(model)
    layers = {}
    for name, lin in linears(qmodel):
        if name in exclude:
            continue
        w = lin.weight.detach().float()
        if per_channel:
            scheme = torch.per_channel_symmetric if symmetric else torch.per_channel_affine
            obs = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=scheme)
        else:
            scheme = torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine
            obs = MinMaxObserver(dtype=torch.qint8, qscheme=scheme)
        obs(w)
        scale, zp = obs.calculate_qparams()
        if per_channel:
            q = torch.quantize_per_channel(w, scale.double(), zp.long(), 0, torch.qint8)
        else:
            q = torch.quantize_per_tensor(w, float(scale.item()), int(zp.item()), torch.qint8)
        w_hat = q.dequantize()
        # QuantLinear.forward: F.linear(x, w_hat, bias) in float32, same as a Linear holding w_hat.
        with torch.no_grad():
            lin.weight.copy_(w_hat)
        layers[name] = {"scale": floats(scale.float()), "zero_point": ints(zp)}
    qmodel.eval()
    outputs = {}
    with torch.no_grad():
        for iname, x in inputs:
            outputs[iname] = floats(qmodel(x))
    return {"symmetric": symmetric, "per_channel": per_channel, "exclude": list(exclude),
            "layers": layers, "outputs": outputs}


# ----------------------------------------------------------------------------------- dynamic
def choose_act_qparams(x_min, x_max, qmin=0, qmax=255, reduce_range=True):
    """quant_utils::ChooseQuantizationParams (PyTorch 1.13), preserve_sparsity / pow2 off."""
    if reduce_range:
        qmin, qmax = qmin // 2, qmax // 2
    mn = min(F32(x_min), F32(0.0))
    mx = max(F32(x_max), F32(0.0))
    scale = (float(mx) - float(mn)) / (qmax - qmin)          # double
    if F32(scale) == 0.0 or np.isinf(F32(1.0) / F32(scale)):
        scale = 0.1
    if scale < float(SMALL_SCALE_THRESHOLD):
        org = F32(scale)
        scale = float(SMALL_SCALE_THRESHOLD)
        if mn == 0.0:
            mx = F32(SMALL_SCALE_THRESHOLD * F32(qmax - qmin))
        elif mx == 0.0:
            mn = F32(-SMALL_SCALE_THRESHOLD * F32(qmax - qmin))
        else:
            amp = F32(SMALL_SCALE_THRESHOLD / org)
            mn, mx = F32(mn * amp), F32(mx * amp)
    zp_min = qmin - float(mn) / scale
    zp_max = qmax - float(mx) / scale
    err_min = abs(qmin) - abs(float(mn) / scale)
    err_max = abs(qmax) - abs(float(mx) / scale)
    initial = zp_min if err_min < err_max else zp_max
    if initial < qmin:
        zp = qmin
    elif initial > qmax:
        zp = qmax
    else:
        zp = int(np.rint(initial))                           # nearbyint: half to even
    return scale, zp


def symmetric_qint8_weight(w, per_channel):
    """MinMaxObserver / PerChannelMinMaxObserver(qint8, symmetric) and quantize, in numpy."""
    w = np.asarray(w, dtype=F32)
    if per_channel:
        mn = np.minimum(w.min(axis=1), F32(0))
        mx = np.maximum(w.max(axis=1), F32(0))
    else:
        mn = np.minimum(w.min(), F32(0)).reshape(1)
        mx = np.maximum(w.max(), F32(0)).reshape(1)
    absmax = np.maximum(-mn, mx).astype(F32)
    scale = np.maximum((absmax / F32(127.5)).astype(F32), np.finfo(F32).eps).astype(F32)
    s_rows = scale if per_channel else np.full(w.shape[0], scale[0], dtype=F32)
    inv = (F32(1.0) / s_rows).astype(F32)
    q = np.clip(np.rint((w * inv[:, None]).astype(F32)), -128, 127).astype(np.int64)
    return q, scale


def dynamic_linear_ref(x, wq, w_scale_rows, bias, cache=None, key_extra=None):
    """One onednn dynamic Linear. cache: None for a fresh module, else a dict holding the key of
    the primitive cached by the module's first call."""
    x = np.asarray(x, dtype=F32)
    scale, zp = choose_act_qparams(x.min(), x.max())
    inv = F32(1.0 / scale)
    q = np.clip(np.rint((x * inv).astype(F32) + F32(zp)), 0, 255).astype(np.int64)
    acc = (q - zp) @ wq.T
    assert np.abs(acc).max(initial=0) < 2 ** 24          # exact in int32 and in float32
    w_inv = (1.0 / w_scale_rows.astype(np.float64)).astype(F32)
    bs = (inv * w_inv).astype(F32)
    os_ = (F32(1.0) / bs).astype(F32)
    b_acc = (bias * bs).astype(F32)
    key = (scale, zp, x.shape)
    first_call_path = True
    if cache is not None:
        if "key" not in cache:
            cache["key"] = key
        first_call_path = cache["key"] == key or x.shape[0] == 1
    if first_call_path:
        y = ((acc.astype(F32) + b_acc).astype(F32) * os_).astype(F32)
    else:   # primitive cache miss, batch > 1: zero point applied as a float compensation
        raw = q @ wq.T
        comp = (zp * wq.sum(axis=1)).astype(F32)
        y = ((((raw.astype(F32) + b_acc).astype(F32)) - comp).astype(F32) * os_).astype(F32)
    simple = acc.astype(np.float64) * (scale * w_scale_rows.astype(np.float64)) + bias
    return y, simple, (scale, zp)


def reference_dynamic_forward(layers, activations, x, per_channel, caches=None):
    """numpy re-implementation of quantize_dynamic(model)(x) on PyTorch 1.13's onednn engine.

    layers: [(name, weight [out, in] float32, bias float32)]. Returns (exact-formula output,
    textbook-formula output acc*(sx*sw)+b in float64 per layer, per-layer activation qparams,
    per-layer (int weights, scales))."""
    h = np.asarray(x, dtype=F32)
    h_simple = h.astype(np.float64)
    act_qparams, wparams = {}, {}
    for i, ((name, w, b), act) in enumerate(zip(layers, activations)):
        wq, wscale = symmetric_qint8_weight(w, per_channel)
        rows = wscale if per_channel else np.full(wq.shape[0], wscale[0], dtype=F32)
        cache = None if caches is None else caches.setdefault(name, {})
        h, _, qp = dynamic_linear_ref(h, wq, rows, np.asarray(b, dtype=F32), cache)
        _, h_simple, _ = dynamic_linear_ref(h_simple.astype(F32), wq, rows, np.asarray(b, dtype=F32))
        act_qparams[name] = qp
        wparams[name] = (wq, wscale)
        if act == "relu":
            h = np.maximum(h, F32(0)).astype(F32)
            h_simple = np.maximum(h_simple, 0.0)
    return h, h_simple, act_qparams, wparams


def dynamic_case(model, per_channel, inputs, spec, activations, report):
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig

    def fresh():
        return quantize_dynamic(copy.deepcopy(model), {nn.Linear: qconfig}, dtype=torch.qint8).eval()

    qm = fresh()
    layers = {}
    for name, mod in qm.named_modules():
        if not hasattr(mod, "_packed_params") or not callable(getattr(mod, "weight", None)):
            continue
        w = mod.weight()
        if w.qscheme() in (torch.per_tensor_affine, torch.per_tensor_symmetric):
            scale, zp = [float(w.q_scale())], [int(w.q_zero_point())]
        else:
            scale, zp = floats(w.q_per_channel_scales()), ints(w.q_per_channel_zero_points())
        layers[name] = {"scale": [float(F32(s)) for s in scale], "zero_point": zp,
                        "q_sum": int(w.int_repr().long().sum())}
        assert all(float(F32(s)) == s for s in scale)
        # the numpy observer must reproduce torch's weight quantization exactly
        wf = dict(spec)[name][0]
        wq_ref, ws_ref = symmetric_qint8_weight(wf, per_channel)
        assert np.array_equal(wq_ref, w.int_repr().numpy().astype(np.int64)), name
        assert [float(v) for v in ws_ref] == layers[name]["scale"], name
        assert all(z == 0 for z in zp), name
    outputs = {}
    shared = fresh()            # one module reused for every input, to show the cache quirk
    caches = {}
    with torch.no_grad():
        for iname, x in inputs:
            y = fresh()(x)
            outputs[iname] = floats(y)
            ref, simple, act_qp, _ = reference_dynamic_forward(
                [(n, w, b) for n, (w, b) in spec], activations, x.numpy(), per_channel)
            y_np = y.numpy()
            ys = shared(x).numpy()
            ref_shared, _, _, _ = reference_dynamic_forward(
                [(n, w, b) for n, (w, b) in spec], activations, x.numpy(), per_channel, caches)
            report.append({
                "case": f"per_channel={per_channel!s:5} {iname:11}",
                "ref": float(np.abs(ref.astype(np.float64) - y_np).max()),
                "simple": float(np.abs(simple - y_np).max()),
                "reused": float(np.abs(ys.astype(np.float64) - y_np).max()),
                "reused_ref": float(np.abs(ref_shared.astype(np.float64) - ys).max()),
                "act": {k: (float(F32(s)), z) for k, (s, z) in act_qp.items()},
            })
    return {"per_channel": per_channel, "layers": layers, "outputs": outputs}


# ----------------------------------------------------------------------------------- main
def build_model_doc(name, seed, builder, exclude, report):
    torch.manual_seed(seed)
    model, activations = builder()
    model.eval()
    lins = linears(model)
    in_features = lins[0][1].in_features
    inputs = make_inputs(seed, in_features)
    spec = [(n, (m.weight.detach().numpy().astype(F32), m.bias.detach().numpy().astype(F32))) for n, m in lins]
    doc = {
        "name": name,
        "seed": seed,
        "layers": [{"name": n, "in_features": m.in_features, "out_features": m.out_features,
                    "weight_f32_b64": b64(m.weight), "bias_f32_b64": b64(m.bias)} for n, m in lins],
        "activations": activations,
        "inputs": [{"name": n, "batch": int(x.shape[0]), "values_f32_b64": b64(x)} for n, x in inputs],
    }
    with torch.no_grad():
        doc["fp32"] = {n: floats(model(x)) for n, x in inputs}
    doc["weight_only"] = [weight_only_case(model, sym, pc, ex, inputs)
                          for sym in (True, False) for pc in (False, True) for ex in ([], exclude)]
    rep = []
    doc["dynamic"] = [dynamic_case(model, pc, inputs, spec, activations, rep) for pc in (False, True)]
    report.append((name, rep))
    return doc


def main():
    torch.backends.quantized.engine = ENGINE
    torch.set_num_threads(1)
    report = []
    models = [build_model_doc(*m, report) for m in MODELS]
    doc = {
        "generator": "tools/make_model_fixtures.py",
        "torch_version": torch.__version__,
        "quantized_engine": ENGINE,
        "models": models,
        "dynamic_activation_rule": DYNAMIC_ACTIVATION_RULE,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")

    print("max |reference_dynamic_forward - torch| (exact formula; textbook acc*sx*sw+b in float64;"
          " reused module vs fresh; reference with cache simulation vs reused module)")
    worst = 0.0
    for name, rep in report:
        for r in rep:
            worst = max(worst, r["ref"], r["reused_ref"])
            print(f"  {name:15} {r['case']}  ref {r['ref']:.3g}  textbook {r['simple']:.3g}"
                  f"  reused-vs-fresh {r['reused']:.3g}  ref(reused) {r['reused_ref']:.3g}")
            print("      activation (scale, zero point): " +
                  ", ".join(f"{k}=({s:.6g}, {z})" for k, (s, z) in r["act"].items()))
    n_wo = sum(len(m["weight_only"]) for m in models)
    n_dyn = sum(len(m["dynamic"]) for m in models)
    n_in = sum(len(m["inputs"]) for m in models)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {len(models)} models, {n_in} inputs, "
          f"{n_wo} weight_only cases, {n_dyn} dynamic cases, torch {torch.__version__}, engine {ENGINE}")
    if worst != 0.0:
        print(f"reference_dynamic_forward disagrees with PyTorch by up to {worst}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
