// The module tree of a checkpoint, inferred from its key names as print(model) would show it, so a
// learner recognises the model: each module with its parameters and what quantizing does with
// them, and numbered blocks that repeat the first (transformer.h.0 … h.35) given once with their
// count. `qlinear inspect` prints it; the checkpoint page draws it and excludes a module on a click.

const NUMBERED = /^\d+$/;

// names → nested nodes: { children: Map(part → node), tensors: [rows] }.
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
  const tensors = node.tensors.map((t) => `${t.leaf}:${t.dtype}:${t.shape.join('x')}:${t.quantize}:${t.reason}`).join(',');
  const children = [...node.children].map(([part, child]) => `${NUMBERED.test(part) ? '#' : part}(${signature(child)})`).join(',');
  return `${tensors}|${children}`;
}

// `path`: the module's name in the first block of each run; `pattern`: the same with the
// numbers of repeated blocks as `*`, the exclude pattern that names the module in every block.
function toNodes(node, path, pattern) {
  const out = [];
  const entries = [...node.children];
  for (let i = 0; i < entries.length; i++) {
    const [part, child] = entries[i];
    let run = 1; // a run of numbered siblings with the same structure: the first, and how many
    if (NUMBERED.test(part))
      while (i + run < entries.length && NUMBERED.test(entries[i + run][0]) && signature(entries[i + run][1]) === signature(child)) run++;
    const name = path ? `${path}.${part}` : part;
    const glob = `${pattern ? `${pattern}.` : ''}${run > 1 ? '*' : part}`;
    out.push({
      part,
      name,
      pattern: glob,
      blocks: run > 1 ? { last: entries[i + run - 1][0], count: run } : null,
      tensors: child.tensors,
      children: toNodes(child, name, glob),
    });
    i += run - 1;
  }
  return out;
}

/**
 * The module tree. `tensors`: the checkpoint's rows (name, dtype, shape); `plan`: its quantization
 * plan (Checkpoint.plan()). Returns the top-level modules, each
 * { part, name, pattern, blocks: { last, count } | null, tensors, children }, where each tensor is
 * { leaf, name, dtype, shape, quantize, reason, outFeatures, inFeatures } and the tensors of the
 * root (names without a dot) sit under a module with part ''.
 * @param {{ name: string, dtype: string, shape: number[] }[]} tensors
 * @param {import('../qlinear').CheckpointPlan} plan
 */
export function moduleTree(tensors, plan) {
  const planned = new Map(plan.tensors.map((p) => [p.name, p]));
  const root = build(tensors.map((t) => {
    const p = planned.get(t.name);
    return { name: t.name, dtype: t.dtype, shape: t.shape, quantize: Boolean(p?.quantize), reason: p?.reason ?? '', outFeatures: p?.outFeatures ?? 0, inFeatures: p?.inFeatures ?? 0 };
  }));
  const nodes = toNodes(root, '', '');
  if (root.tensors.length) nodes.unshift({ part: '', name: '', pattern: '', blocks: null, tensors: root.tensors, children: [] });
  return nodes;
}

/** The tree as the text lines `qlinear inspect` prints. */
export function moduleTreeLines(tensors, plan) {
  const out = [];
  const describe = (t) => {
    const shape = `[${t.shape.join(', ')}]`;
    const action = t.quantize ? `→ int8 (${t.reason}, ${t.outFeatures} out × ${t.inFeatures} in)` : t.reason ? `kept: ${t.reason}` : '';
    return `${t.leaf.padEnd(14)} ${t.dtype.padEnd(5)} ${shape.padEnd(16)} ${action}`;
  };
  const walk = (nodes, indent) => {
    for (const node of nodes) {
      if (node.part === '') {
        for (const t of node.tensors) out.push(`${indent}${describe(t)}`);
        continue;
      }
      out.push(`${indent}(${node.part})${node.blocks ? ` … (${node.blocks.last}): ${node.blocks.count} blocks like this one` : ''}`);
      for (const t of node.tensors) out.push(`${indent}  ${describe(t)}`);
      walk(node.children, `${indent}  `);
    }
  };
  walk(moduleTree(tensors, plan), '');
  return out;
}
