// A minimal ONNX writer for the benchmark's peer models: the protobuf wire format (varints and
// length-delimited fields) of ModelProto/GraphProto/NodeProto/TensorProto, written by hand so
// the benchmark needs no Python. Runs in Node and in browsers.
//
// Two graphs per MLP, both what a PyTorch user gets from the usual ONNX tooling:
//   fp32: per layer MatMul(x, Wᵀ) + Add(b) [+ Relu]: torch.onnx.export of nn.Linear with a
//         MatMul/Add pattern (quantize_dynamic only quantizes MatMul, not Gemm);
//   int8: what onnxruntime.quantization.quantize_dynamic(weight_type=QInt8, per_channel=False)
//         makes of that graph: DynamicQuantizeLinear(x) → (x_q uint8, x_scale, x_zp);
//         MatMulInteger(x_q, W_q int8, x_zp, W_zp) → int32; Cast → float; Mul(x_scale·W_scale);
//         the original bias Add [+ Relu]. Weights per tensor, symmetric (zero point 0,
//         scale = max|W| / 127, values round-half-even(W / scale) clamped to [-127, 127]), as
//         quantize_dynamic's defaults for QInt8 weights.

// ---- protobuf wire format ---------------------------------------------------------------------

class Writer {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  bytes(u8) {
    this.chunks.push(u8);
    this.length += u8.length;
  }
  varint(v) {
    // v: a non-negative integer below 2^53 (all we write: field tags, lengths, dims, enums).
    const out = [];
    let n = v;
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
    this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) {
    this.varint(field * 8 + wire);
  }
  int(field, v) {
    this.tag(field, 0);
    this.varint(v);
  }
  len(field, u8) {
    this.tag(field, 2);
    this.varint(u8.length);
    this.bytes(u8);
  }
  string(field, s) {
    this.len(field, new TextEncoder().encode(s));
  }
  message(field, build) {
    const w = new Writer();
    build(w);
    this.len(field, w.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

// onnx.proto field numbers and enums.
const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6 };
const ATTR_INT = 2;
const ELEM_BYTES = { [DT.FLOAT]: 4, [DT.UINT8]: 1, [DT.INT8]: 1, [DT.INT32]: 4 };

function tensor(w, field, { name, dtype, dims, data }) {
  // data: a typed array whose bytes are the little-endian raw_data.
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const count = dims.reduce((a, b) => a * b, 1);
  if (raw.length !== count * ELEM_BYTES[dtype]) throw new Error(`tensor ${name}: ${raw.length} bytes for dims ${dims}`);
  w.message(field, (t) => {
    for (const d of dims) t.int(1, d); // dims
    t.int(2, dtype); // data_type
    t.string(8, name); // name
    t.len(9, raw); // raw_data
  });
}

function valueInfo(w, field, name, elemType, dims) {
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (type) => type.message(1, (tt) => { // TypeProto.tensor_type
      tt.int(1, elemType);
      tt.message(2, (shape) => {
        for (const d of dims) {
          shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
        }
      });
    }));
  });
}

function node(w, { op, inputs, outputs, name, attrs = {} }) {
  w.message(1, (n) => {
    for (const i of inputs) n.string(1, i);
    for (const o of outputs) n.string(2, o);
    n.string(3, name);
    n.string(4, op);
    for (const [key, value] of Object.entries(attrs)) {
      n.message(5, (a) => {
        a.string(1, key);
        a.int(3, value); // i
        a.int(20, ATTR_INT); // type
      });
    }
  });
}

function model(build, { graphName, inFeatures, outFeatures }) {
  const w = new Writer();
  w.int(1, 7); // ir_version 7 (opset 13)
  w.string(2, 'qlinear-bench');
  w.string(3, '1');
  w.message(7, (g) => {
    const initializers = [];
    const nodes = [];
    build({ init: (t) => initializers.push(t), node: (n) => nodes.push(n) });
    for (const n of nodes) node(g, n);
    g.string(2, graphName);
    for (const t of initializers) tensor(g, 5, t);
    valueInfo(g, 11, 'input', DT.FLOAT, ['batch', inFeatures]);
    valueInfo(g, 12, 'output', DT.FLOAT, ['batch', outFeatures]);
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, 13);
  });
  return w.finish();
}

// ---- the two MLP graphs -----------------------------------------------------------------------

/** W [out, in] row-major → Wᵀ [in, out] (MatMul's B). */
export function transpose(weight, outFeatures, inFeatures, ArrayType = Float32Array) {
  const t = new ArrayType(weight.length);
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) t[i * outFeatures + o] = weight[o * inFeatures + i];
  }
  return t;
}

/** quantize_dynamic's per-tensor symmetric int8 weight: scale = max|W| / 127, zero point 0. */
export function quantizePerTensorSymmetric(weight) {
  let absMax = 0;
  for (const v of weight) absMax = Math.max(absMax, Math.abs(v));
  const scale = Math.fround(absMax > 0 ? (2 * absMax) / 254 : 1);
  const q = new Int8Array(weight.length);
  for (let i = 0; i < weight.length; i++) {
    const x = weight[i] / scale;
    let r = Math.round(x);
    if (r - x === 0.5 && r % 2 !== 0) r -= 1; // numpy rounds half to even
    q[i] = Math.max(-127, Math.min(127, r));
  }
  return { q, scale };
}

function check(layers) {
  layers.forEach((l, i) => {
    if (i > 0 && l.inFeatures !== layers[i - 1].outFeatures) throw new Error(`layer ${i}: ${l.inFeatures} inputs after ${layers[i - 1].outFeatures} outputs`);
    if (!['relu', 'identity', undefined].includes(l.activation)) throw new Error(`layer ${i}: activation ${l.activation}`);
  });
}

/** layers: [{ inFeatures, outFeatures, weight: Float32Array [out, in], bias: Float32Array, activation: 'relu'|'identity' }] */
export function mlpFp32(layers) {
  check(layers);
  return model(({ init, node: add }) => {
    let x = 'input';
    layers.forEach((l, i) => {
      const last = i === layers.length - 1;
      const relu = l.activation === 'relu';
      init({ name: `l${i}.weight_t`, dtype: DT.FLOAT, dims: [l.inFeatures, l.outFeatures], data: transpose(l.weight, l.outFeatures, l.inFeatures) });
      init({ name: `l${i}.bias`, dtype: DT.FLOAT, dims: [l.outFeatures], data: l.bias });
      const mm = `l${i}.matmul`;
      const sum = last && !relu ? 'output' : `l${i}.add`;
      add({ op: 'MatMul', inputs: [x, `l${i}.weight_t`], outputs: [mm], name: `MatMul_${i}` });
      add({ op: 'Add', inputs: [mm, `l${i}.bias`], outputs: [sum], name: `Add_${i}` });
      x = sum;
      if (relu) {
        x = last ? 'output' : `l${i}.relu`;
        add({ op: 'Relu', inputs: [sum], outputs: [x], name: `Relu_${i}` });
      }
    });
  }, { graphName: 'mlp_fp32', inFeatures: layers[0].inFeatures, outFeatures: layers.at(-1).outFeatures });
}

/** The same MLP as quantize_dynamic rewrites it (see the top of this file). */
export function mlpInt8Dynamic(layers) {
  check(layers);
  return model(({ init, node: add }) => {
    let x = 'input';
    layers.forEach((l, i) => {
      const last = i === layers.length - 1;
      const relu = l.activation === 'relu';
      const { q, scale } = quantizePerTensorSymmetric(l.weight);
      const p = `l${i}`;
      init({ name: `${p}.weight_t_quantized`, dtype: DT.INT8, dims: [l.inFeatures, l.outFeatures], data: transpose(q, l.outFeatures, l.inFeatures, Int8Array) });
      init({ name: `${p}.weight_t_scale`, dtype: DT.FLOAT, dims: [], data: Float32Array.of(scale) });
      init({ name: `${p}.weight_t_zero_point`, dtype: DT.INT8, dims: [], data: Int8Array.of(0) });
      init({ name: `${p}.bias`, dtype: DT.FLOAT, dims: [l.outFeatures], data: l.bias });
      add({ op: 'DynamicQuantizeLinear', inputs: [x], outputs: [`${p}.x_quantized`, `${p}.x_scale`, `${p}.x_zero_point`], name: `${p}.x_QuantizeLinear` });
      add({ op: 'MatMulInteger', inputs: [`${p}.x_quantized`, `${p}.weight_t_quantized`, `${p}.x_zero_point`, `${p}.weight_t_zero_point`], outputs: [`${p}.matmul_output_quantized`], name: `MatMul_${i}_quant` });
      add({ op: 'Cast', inputs: [`${p}.matmul_output_quantized`], outputs: [`${p}.matmul_output_cast`], name: `MatMul_${i}_quant_output_cast`, attrs: { to: DT.FLOAT } });
      add({ op: 'Mul', inputs: [`${p}.x_scale`, `${p}.weight_t_scale`], outputs: [`${p}.scales_mul`], name: `MatMul_${i}_quant_scales_mul` });
      add({ op: 'Mul', inputs: [`${p}.matmul_output_cast`, `${p}.scales_mul`], outputs: [`${p}.matmul`], name: `MatMul_${i}_quant_output_scale_mul` });
      const sum = last && !relu ? 'output' : `${p}.add`;
      add({ op: 'Add', inputs: [`${p}.matmul`, `${p}.bias`], outputs: [sum], name: `Add_${i}` });
      x = sum;
      if (relu) {
        x = last ? 'output' : `${p}.relu`;
        add({ op: 'Relu', inputs: [sum], outputs: [x], name: `Relu_${i}` });
      }
    });
  }, { graphName: 'mlp_int8_dynamic', inFeatures: layers[0].inFeatures, outFeatures: layers.at(-1).outFeatures });
}

