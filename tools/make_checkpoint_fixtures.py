"""Checkpoint fixtures for the streaming quantizer (tests/fixtures/checkpoints/), made with PyTorch.

Run by hand with Debian's python3-torch (1.13): /usr/bin/python3 tools/make_checkpoint_fixtures.py

Writes two small checkpoints with the key names and layouts transformers uses, and what each
output format must hold for them, computed here by torch with the formulas those formats use:

  gpt2/            a GPT-2-shaped GPT2LMHeadModel state dict, F32 (2 blocks, n_embd 64, vocab 256,
                   n_positions 64): transformers' Conv1D weights ([in, out]), the causal-mask
                   buffers attn.bias (BOOL) and attn.masked_bias, no lm_head.weight (tied to wte),
                   and its config.json
  llama-sharded/   a Llama-shaped LlamaForCausalLM state dict, BF16 (2 layers, hidden 64,
                   intermediate 96, 4 heads, 2 key-value heads, vocab 256, untied lm_head), in two
                   shards with model.safetensors.index.json, and its config.json
  expected/        per checkpoint and format, the tensors qlinear must write:
    <name>.bitsandbytes.safetensors    transformers + bitsandbytes' load_in_8bit state dict: per
        converted module weight (I8 [out, in]; Conv1D transposed), SCB (F32 [out], the row absmax
        of the float16 weight), weight_format (U8 scalar 0); every other floating tensor float16
    <name>.compressed-tensors.safetensors   the int-quantized W8A8 layout: weight (I8 [out, in]),
        weight_scale (F32 [out, 1]); every other tensor as it was

The formulas (bitsandbytes 0.46's CPU path, compressed-tensors' symmetric int8 channel strategy):
  bitsandbytes:        w16 = W.half(); SCB = |w16|.max(row) (float32);
                       q = round(w16.float() * (127.0 / SCB))          (round half to even;
                       PyTorch computes 127.0 / SCB as SCB.reciprocal() * 127, in float32)
  compressed-tensors:  w = W.float(); scale = max(|w|.max(row) / 127.5, eps);
                       q = round(clamp(w / scale, -128, 127))
"""
import json
import os
import struct

import torch

torch.manual_seed(15)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "checkpoints")

DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int8: "I8",
               torch.uint8: "U8", torch.bool: "BOOL", torch.int32: "I32"}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, tensor), written in that order (the safetensors layout, by hand:
    Debian has no safetensors package)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors:
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


def gpt2():
    n_embd, n_layer, vocab, n_pos = 64, 2, 256, 64
    t = [("transformer.wte.weight", torch.randn(vocab, n_embd) * 0.02),
         ("transformer.wpe.weight", torch.randn(n_pos, n_embd) * 0.01)]
    mask = torch.tril(torch.ones(n_pos, n_pos, dtype=torch.bool)).view(1, 1, n_pos, n_pos)
    for i in range(n_layer):
        p = f"transformer.h.{i}."
        t += [(p + "ln_1.weight", 1 + 0.1 * torch.randn(n_embd)), (p + "ln_1.bias", 0.1 * torch.randn(n_embd)),
              (p + "attn.bias", mask), (p + "attn.masked_bias", torch.tensor(-1e4)),
              # Conv1D stores [in, out]; one outlier row (column of the [out, in] weight) per layer
              (p + "attn.c_attn.weight", torch.randn(n_embd, 3 * n_embd) * 0.05),
              (p + "attn.c_attn.bias", 0.01 * torch.randn(3 * n_embd)),
              (p + "attn.c_proj.weight", torch.randn(n_embd, n_embd) * 0.05),
              (p + "attn.c_proj.bias", 0.01 * torch.randn(n_embd)),
              (p + "ln_2.weight", 1 + 0.1 * torch.randn(n_embd)), (p + "ln_2.bias", 0.1 * torch.randn(n_embd)),
              (p + "mlp.c_fc.weight", torch.randn(n_embd, 4 * n_embd) * 0.05),
              (p + "mlp.c_fc.bias", 0.01 * torch.randn(4 * n_embd)),
              (p + "mlp.c_proj.weight", torch.randn(4 * n_embd, n_embd) * 0.05),
              (p + "mlp.c_proj.bias", 0.01 * torch.randn(n_embd))]
        # A few large weights, as trained checkpoints have: rows whose absmax they set.
        t[-4] = (t[-4][0], t[-4][1].index_put_((torch.tensor([3]), torch.tensor([7])), torch.tensor(1.75)))
    t += [("transformer.ln_f.weight", 1 + 0.1 * torch.randn(n_embd)), ("transformer.ln_f.bias", 0.1 * torch.randn(n_embd))]
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": n_embd, "n_head": 4,
              "n_layer": n_layer, "n_positions": n_pos, "vocab_size": vocab, "tie_word_embeddings": True}
    converted = {name[:-len(".weight")]: "conv1d" for name, _ in t
                 if name.endswith((".c_attn.weight", ".c_proj.weight", ".c_fc.weight"))}
    return t, config, converted


def llama():
    hidden, inter, heads, kv_heads, vocab, layers = 64, 96, 4, 2, 256, 2
    head_dim = hidden // heads
    bf = lambda *shape, s=0.05: (torch.randn(*shape) * s).to(torch.bfloat16)
    t = [("model.embed_tokens.weight", bf(vocab, hidden, s=0.02))]
    for i in range(layers):
        p = f"model.layers.{i}."
        t += [(p + "self_attn.q_proj.weight", bf(hidden, hidden)),
              (p + "self_attn.k_proj.weight", bf(kv_heads * head_dim, hidden)),
              (p + "self_attn.v_proj.weight", bf(kv_heads * head_dim, hidden)),
              (p + "self_attn.o_proj.weight", bf(hidden, hidden)),
              (p + "mlp.gate_proj.weight", bf(inter, hidden)),
              (p + "mlp.up_proj.weight", bf(inter, hidden)),
              (p + "mlp.down_proj.weight", bf(hidden, inter)),
              (p + "input_layernorm.weight", (1 + 0.1 * torch.randn(hidden)).to(torch.bfloat16)),
              (p + "post_attention_layernorm.weight", (1 + 0.1 * torch.randn(hidden)).to(torch.bfloat16))]
    t += [("model.norm.weight", (1 + 0.1 * torch.randn(hidden)).to(torch.bfloat16)),
          ("lm_head.weight", bf(vocab, hidden, s=0.02))]
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
              "intermediate_size": inter, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
              "num_hidden_layers": layers, "vocab_size": vocab, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
    converted = {name[:-len(".weight")]: "linear" for name, _ in t if name.endswith("_proj.weight")}
    return t, config, converted


def bitsandbytes(tensors, converted):
    out = []
    for name, w in tensors:
        module = name[:-len(".weight")] if name.endswith(".weight") else None
        if module in converted:
            W = w.t() if converted[module] == "conv1d" else w
            w16 = W.to(torch.float16)
            scb = w16.abs().max(dim=1).values.float()
            q = torch.round(w16.float() * (127.0 / scb).unsqueeze(1)).to(torch.int8)
            out += [(name, q), (module + ".SCB", scb), (module + ".weight_format", torch.tensor(0, dtype=torch.uint8))]
        elif w.is_floating_point():
            out.append((name, w.to(torch.float16)))
        else:
            out.append((name, w))
    return out


def compressed_tensors(tensors, converted):
    out = []
    for name, w in tensors:
        module = name[:-len(".weight")] if name.endswith(".weight") else None
        if module in converted:
            W = (w.t() if converted[module] == "conv1d" else w).float()
            scale = torch.clamp(W.abs().amax(dim=1, keepdim=True) / 127.5, min=torch.finfo(torch.float32).eps)
            q = torch.round(torch.clamp(W / scale, -128, 127)).to(torch.int8)
            out += [(name, q), (module + ".weight_scale", scale)]
        else:
            out.append((name, w))
    return out


def main():
    g, g_config, g_converted = gpt2()
    write_safetensors(os.path.join(OUT, "gpt2", "model.safetensors"), g, {"format": "pt"})
    write_json(os.path.join(OUT, "gpt2", "config.json"), g_config)

    l, l_config, l_converted = llama()
    split = 1 + 9  # embed_tokens and layer 0 in the first shard
    shards = {"model-00001-of-00002.safetensors": l[:split], "model-00002-of-00002.safetensors": l[split:]}
    weight_map = {}
    for file, part in shards.items():
        write_safetensors(os.path.join(OUT, "llama-sharded", file), part, {"format": "pt"})
        weight_map.update({name: file for name, _ in part})
    total = sum(len(tensor_bytes(t)) for _, t in l)
    write_json(os.path.join(OUT, "llama-sharded", "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": weight_map})
    write_json(os.path.join(OUT, "llama-sharded", "config.json"), l_config)

    for name, tensors, converted in (("gpt2", g, g_converted), ("llama", l, l_converted)):
        write_safetensors(os.path.join(OUT, "expected", f"{name}.bitsandbytes.safetensors"), bitsandbytes(tensors, converted))
        write_safetensors(os.path.join(OUT, "expected", f"{name}.compressed-tensors.safetensors"),
                          compressed_tensors(tensors, converted))
    write_json(os.path.join(OUT, "expected", "converted.json"),
               {"gpt2": g_converted, "llama": l_converted, "torch": torch.__version__})


if __name__ == "__main__":
    main()
