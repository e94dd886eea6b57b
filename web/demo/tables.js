// The model demo's tables that are plain rows of text: the file's tensors and metadata, and the
// timing of every forward mode.
export function cell(value) {
  const td = document.createElement('td');
  td.textContent = value;
  return td;
}

const row = (...cells) => {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
};
const shapeText = (dims) => `[${dims.join(', ')}]`;

/** One row per tensor: name, dtype, shape, bytes, quantization. */
export function tensorRows(tensors) {
  return tensors.map((t) => row(cell(t.name), cell(t.dtype), cell(shapeText(t.shape)), cell(t.bytes.toLocaleString('en')), cell(t.quantization ?? '')));
}

/** One row per __metadata__ key. */
export function metadataRows(metadata) {
  return Object.entries(metadata).map(([k, v]) => row(cell(k), cell(v)));
}

/** One row per model or forward mode: time per input batched and one at a time, or why it cannot run. */
export function timingRows(rows) {
  const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
  return rows.map((r) => {
    const tr = r.unavailable
      ? row(cell(r.name), Object.assign(cell(r.unavailable), { colSpan: 2, className: 'unavailable' }))
      : row(cell(r.name + (r.current ? ' (as quantized)' : '')), cell(us(r.msBatched)), cell(us(r.msSingle)));
    tr.dataset.model = r.name;
    tr.classList.toggle('selected', Boolean(r.current));
    return tr;
  });
}
