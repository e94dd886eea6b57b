// The first demo page: type a tensor, pick a scheme, see PyTorch's scale, zero point, integers
// and the error, recomputed on every change. All numbers come from qlinear's wasm module.
import {
  init, getSymmetricQParams, getAsymmetricQParams, quantizeTensor, dequantizeTensor, errorMetrics, optionTable,
} from '../package/qlinear.js';

const $ = (selector) => document.querySelector(selector);

const PRESETS = {
  tutorial_6: { values: '3.0, -5.5, 0.0, 6.0, -6.0, 2.5', shape: '' },
  tutorial_4: { values: '3.0, -5.5, 0.0, 4.0, -6.0, 2.5', shape: '' },
  tutorial_8: { values: '3.0, -5.5, 0.0, 8.0, -6.0, 2.5', shape: '' },
  matrix: {
    values: [
      '0.12, -0.40, 0.33, 0.05, -0.21, 0.18',
      '0.02, 0.07, -0.03, 0.01, 0.04, -0.06',
      '1.50, -9.75, 0.80, 2.20, -0.90, 0.40',
      '0.00, 0.00, 0.00, 0.00, 0.00, 0.00',
    ].join('\n'),
    shape: '4, 6',
  },
};

// Accepts numbers plus nan/inf spelled out, so the page can show what qlinear does with them.
function parseValues(text) {
  const tokens = text.split(/[\s,;[\]]+/).filter(Boolean);
  return Float32Array.from(tokens, (token) => {
    if (/^[+-]?nan$/i.test(token)) return NaN;
    if (/^[+-]?inf(inity)?$/i.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
    const value = Number(token);
    if (Number.isNaN(value)) throw new Error(`'${token}' is not a number`);
    return value;
  });
}

function parseShape(text) {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return trimmed.split(/[\s,x×]+/).filter(Boolean).map((token) => {
    const d = Number(token);
    if (!Number.isInteger(d) || d < 0) throw new Error(`shape entry '${token}' is not a non-negative integer`);
    return d;
  });
}

function readOptions() {
  return {
    symmetric: document.querySelector('input[name=scheme]:checked').value === 'symmetric',
    perChannel: document.querySelector('input[name=granularity]:checked').value === 'per_channel',
    axis: Number($('#axis').value),
    dtype: $('#dtype').value,
    reduceRange: $('#reduce-range').checked,
    range: $('#range').value,
  };
}

function pytorchCall(o) {
  const scheme = `torch.${o.perChannel ? 'per_channel' : 'per_tensor'}_${o.symmetric ? 'symmetric' : 'affine'}`;
  const args = [`dtype=torch.${o.dtype}`, `qscheme=${scheme}`];
  if (o.perChannel) args.push(`ch_axis=${o.axis}`);
  if (o.reduceRange) args.push('reduce_range=True');
  if (o.range === 'restricted') args.push('quant_min=-127, quant_max=127');
  return `${o.perChannel ? 'PerChannelMinMaxObserver' : 'MinMaxObserver'}(${args.join(', ')})`;
}

// Short for people, exact in data-value for tests and copy-paste.
function numberCell(value, digits = 7) {
  const td = document.createElement('td');
  td.dataset.value = String(value);
  td.textContent = Number.isInteger(value) ? String(value) : Number(value.toPrecision(digits)).toString();
  return td;
}

function textCell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function channelOf(index, shape, qparams) {
  if (qparams.axis < 0) return 0;
  let inner = 1;
  for (let d = qparams.axis + 1; d < shape.length; d++) inner *= shape[d];
  return Math.floor(index / inner) % shape[qparams.axis];
}

function setText(id, text) {
  $(id).textContent = text;
}

function render() {
  const options = readOptions();
  $('#pytorch-call').textContent = pytorchCall(options);
  const error = $('#error');
  try {
    const values = parseValues($('#values').value);
    const shape = parseShape($('#shape').value) ?? [values.length];
    const { symmetric, ...qOptions } = options;
    const qparams = (symmetric ? getSymmetricQParams : getAsymmetricQParams)(values, { ...qOptions, shape });
    const q = quantizeTensor(values, qparams, { shape });
    const dq = dequantizeTensor(q, qparams, { shape });
    const metrics = errorMetrics(values, dq);

    const qTable = $('#qparams-table tbody');
    qTable.replaceChildren(...Array.from(qparams.scale, (scale, c) => {
      const tr = document.createElement('tr');
      tr.append(textCell(String(c)), numberCell(scale, 17), numberCell(qparams.zeroPoint[c]));
      return tr;
    }));
    const vTable = $('#values-table tbody');
    vTable.replaceChildren(...Array.from(values, (x, i) => {
      const tr = document.createElement('tr');
      const qCell = numberCell(q[i]);
      if (q[i] < qparams.qmin || q[i] > qparams.qmax) {
        qCell.classList.add('clamped');
        qCell.title = `outside [${qparams.qmin}, ${qparams.qmax}]: PyTorch stores it anyway (reduce_range only narrows the scale)`;
      }
      tr.append(textCell(String(i)), textCell(String(channelOf(i, shape, qparams))), numberCell(x), qCell,
        numberCell(dq[i]), numberCell(dq[i] - x));
      return tr;
    }));
    setText('#qrange', `[${qparams.qmin}, ${qparams.qmax}] ${qparams.dtype}, ${qparams.scheme}`);
    setText('#max-abs-error', metrics.maxAbsError.toPrecision(4));
    setText('#mse', metrics.mse.toPrecision(4));
    setText('#sqnr', Number.isFinite(metrics.sqnrDb) ? `${metrics.sqnrDb.toFixed(2)} dB` : `${metrics.sqnrDb} dB`);
    setText('#cosine', metrics.cosineSimilarity.toFixed(6));
    error.hidden = true;
    $('#output').hidden = false;
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
    $('#output').hidden = true;
  }
}

async function main() {
  try {
    const { version } = await init();
    setText('#status', `qlinear ${version} (WebAssembly SIMD128). Everything above is computed in this page.`);
  } catch (e) {
    setText('#status', `Could not load the WebAssembly module: ${e.message}`);
    return;
  }
  // The dtypes and ranges the library offers, each with what it means, and their defaults.
  const table = optionTable();
  for (const name of ['dtype', 'range']) {
    const option = table.groups.find((g) => g.name === 'QParamsOptions').options.find((o) => o.name === name);
    const { names, descriptions } = table.enums.find((e) => e.type === option.type);
    $(`#${name}`).append(...names.map((value, i) => Object.assign(document.createElement('option'),
      { value, selected: value === option.default, textContent: `${value}: ${descriptions[i]}` })));
  }
  for (const el of document.querySelectorAll('textarea, input, select')) el.addEventListener('input', render);
  for (const button of document.querySelectorAll('[data-preset]')) {
    button.addEventListener('click', () => {
      const preset = PRESETS[button.dataset.preset];
      $('#values').value = preset.values;
      $('#shape').value = preset.shape;
      if (button.dataset.preset === 'matrix') document.querySelector('input[name=granularity][value=per_channel]').checked = true;
      render();
    });
  }
  render();
  document.body.dataset.ready = 'true';
}

main();
