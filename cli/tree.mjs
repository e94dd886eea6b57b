// The module tree of a checkpoint, inferred from its key names, for `qlinear inspect`: each module
// with its parameters (dtype, shape) and what `quantize --format` does with it, numbered blocks
// that repeat the first (transformer.h.0 … h.35) shown once with their count, as print(model)
// would let a learner recognise the model.

// names → a nested object: { children: Map(part → node), tensors: [tensor rows] }.
function build(rows) {
  const root = { children: new Map(), tensors: [] };
  for (const row of rows) {
    const parts = row.name.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      if (!node.children.has(part)) node.children.set(part, { children: new Map(), tensors: [] });
      node = node.children.get(part);
    }
    node.tensors.push({ ...row, leaf: parts.at(-1) });
  }
  return root;
}

// A node's structure without its numbers and values: blocks alike have the same signature.
function signature(node) {
  const tensors = node.tensors.map((t) => `${t.leaf}:${t.dtype}:${t.shape.join('x')}:${t.action}`).join(',');
  const children = [...node.children].map(([part, child]) => `${/^\d+$/.test(part) ? '#' : part}(${signature(child)})`).join(',');
  return `${tensors}|${children}`;
}

function describe(t) {
  const shape = `[${t.shape.join(', ')}]`;
  return `${t.leaf.padEnd(14)} ${t.dtype.padEnd(5)} ${shape.padEnd(16)} ${t.action}`;
}

function lines(node, indent, out) {
  for (const t of node.tensors) out.push(`${indent}${describe(t)}`);
  const entries = [...node.children];
  for (let i = 0; i < entries.length; i++) {
    const [part, child] = entries[i];
    // A run of numbered siblings with the same structure: the first, and how many.
    let run = 1;
    if (/^\d+$/.test(part))
      while (i + run < entries.length && /^\d+$/.test(entries[i + run][0]) && signature(entries[i + run][1]) === signature(child)) run++;
    out.push(`${indent}(${part})${run > 1 ? ` … (${entries[i + run - 1][0]}): ${run} blocks like this one` : ''}`);
    lines(child, `${indent}  `, out);
    i += run - 1;
  }
  return out;
}

/**
 * The tree as text lines. `tensors`: the checkpoint's rows (name, dtype, shape); `plan`: its
 * quantization plan (what happens to each tensor).
 */
export function moduleTree(tensors, plan) {
  const actions = new Map(plan.tensors.map((p) => [p.name, p.quantize
    ? `→ int8 (${p.reason}, ${p.outFeatures} out × ${p.inFeatures} in)`
    : `kept: ${p.reason}`]));
  return lines(build(tensors.map((t) => ({ ...t, action: actions.get(t.name) ?? '' }))), '', []);
}
