// The model demo: load a checkpoint, quantize it in a worker, compare int8 with fp32, export.
// This file only drives the page; every model operation runs in worker.js.
import { loadTestSet } from './fashion-mnist.js';
import { drawHistogram, drawProbabilities, drawImage } from './charts.js';
import { workerClient } from './worker-client.js';
import { cell, tensorRows, metadataRows, timingRows } from './tables.js';
import { showPreprocessing, preprocessingFromFields, preprocessingText } from './preprocessing.js';

const $ = (selector) => document.querySelector(selector);
const SAMPLE_URL = new URL('./models/fashion_mnist_mlp.safetensors', import.meta.url);
const SAMPLE_META_URL = new URL('./models/fashion_mnist_mlp.json', import.meta.url);

const call = workerClient(new URL('./worker.js', import.meta.url));

// ---- page state ---------------------------------------------------------------------------
const state = { fileName: null, layers: [], excluded: new Set(), testSet: null, classes: null, quantized: false };

function show(selector, visible = true) {
  $(selector).hidden = !visible;
}
function text(selector, value) {
  $(selector).textContent = value;
}
const bytesText = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const sqnrText = (m) => (m ? (Number.isFinite(m.sqnrDb) ? `${m.sqnrDb.toFixed(1)} dB` : 'exact') : '—');

function setError(message) {
  $('#load-error').textContent = message ?? '';
  show('#load-error', Boolean(message));
}

// ---- 1. load ------------------------------------------------------------------------------
// While the worker loads or quantizes, the controls that would start other work are off, so
// replies always belong to the model on screen.
function setBusy(busy) {
  for (const selector of ['#load-sample', '#file-input', '#quantize', '#export']) $(selector).disabled = busy;
  $('#reload').disabled = busy || !state.fileName;
  $('#drop-zone').classList.toggle('disabled', busy);
  state.busy = busy;
}

// The settings a load uses: the spec box (until cleared) and the activation between layers.
function loadSettings() {
  return { spec: $('#spec').value.trim() || undefined, activation: $('#activation').value || undefined };
}

function specInUse() {
  const inUse = $('#spec').value.trim() !== '';
  text('#spec-state', inUse ? '(in use: every load follows it until you clear it)' : '(empty: qlinear infers the layers)');
  $('#spec-details').classList.toggle('in-use', inUse);
  return inUse;
}

// `request`: the worker call that loads ('load' with the bytes, or 'reload' for the last file).
async function loadWith(name, bytesText, request, args, transfer = []) {
  if (state.busy) return;
  setBusy(true);
  setError(null);
  text('#load-status', `reading ${name}${bytesText}…`);
  const withSpec = specInUse();
  try {
    const result = await call(request, { ...args, ...loadSettings() }, { transfer });
    await showLoaded(name, result, withSpec);
  } catch (e) {
    text('#load-status', '');
    const spec = withSpec ? ' (loaded with the layer spec in the box: clear it to let qlinear infer the layers)' : '';
    setError(`Could not load ${name}: ${e.message}${spec}${state.fileName ? ` (${state.fileName} is still loaded)` : ''}`);
  } finally {
    setBusy(false);
    // Each finished load (or failed one) counts: scripts and tests wait on it.
    document.body.dataset.loads = String(Number(document.body.dataset.loads ?? 0) + 1);
  }
}

async function loadBytes(bytes, name) {
  // Transferred, not copied: a large file would stall the page while it is cloned.
  await loadWith(name, ` (${bytesText(bytes.length)})`, 'load', { bytes }, [bytes.buffer]);
}

async function showLoaded(name, { inspect, report, layout, metadata, normalization, normalizationError }, withSpec) {
  state.fileName = name;
  state.layers = report.layers;
  state.excluded = new Set();
  state.quantized = false;
  $('#tensor-table tbody').replaceChildren(...tensorRows(inspect.tensors));
  show('#tensor-table');
  const keys = Object.keys(metadata).length;
  show('#metadata-details', keys > 0);
  text('#metadata-count', `${keys} ${keys === 1 ? 'key' : 'keys'}`);
  $('#metadata-table tbody').replaceChildren(...metadataRows(metadata));
  renderChips();
  text('#progress-label', ''); // the last model's "done: quantized in …" is not this one's
  const dims = [report.layers[0].inFeatures, ...report.layers.map((l) => l.outFeatures)].join(' → ');
  text('#load-status', `${name}: ${inspect.tensors.length} tensors, ${bytesText(inspect.fileBytes)}; ${report.layers.length} layers (${dims})` +
    (withSpec ? ', with your layer spec' : ''));
  text('#layout-description', `Layers: ${layout.description}.`);
  $('#reload').disabled = false;
  show('#quantize-panel');
  show('#compare-panel', false);
  show('#export-panel', false);
  // The bundled test set fits a model of 784 inputs (28×28 pixels) and 10 classes, whatever its file is called.
  const fits = report.layers[0].inFeatures === 784 && report.layers.at(-1).outFeatures === 10;
  if (fits && !state.testSet) await loadTestImages();
  state.useTestSet = Boolean(state.testSet) && fits;
  state.noAccuracyReason = fits
    ? (state.testSet ? null : 'the Fashion-MNIST test images could not be loaded')
    : `the bundled test set is Fashion-MNIST (784 pixels in, 10 classes out); this model takes ${report.layers[0].inFeatures} inputs and gives ${report.layers.at(-1).outFeatures} outputs`;
  showPreprocessing(normalization, normalizationError);
}

async function loadTestImages() {
  try {
    text('#status', 'Loading the Fashion-MNIST test images…');
    const [set, meta] = await Promise.all([loadTestSet(), fetch(SAMPLE_META_URL).then((r) => r.json())]);
    state.testSet = set;
    state.classes = meta.classes;
    await call('setTestSet', { count: set.count, features: set.features, pixels: set.pixels, labels: set.labels });
    text('#status', `qlinear demo: ${set.count.toLocaleString('en')} Fashion-MNIST test images loaded.`);
  } catch (e) {
    text('#status', `The Fashion-MNIST test images are not available (${e.message}); accuracy will not be shown.`);
  }
}

function renderChips() {
  $('#layer-chips').replaceChildren(...state.layers.map((l) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'chip';
    b.dataset.layer = l.name;
    b.textContent = `${l.name} (${l.outFeatures}×${l.inFeatures})`;
    b.setAttribute('aria-pressed', 'false');
    b.title = 'click to keep this layer in fp32';
    b.addEventListener('click', () => {
      const keep = !state.excluded.has(l.name);
      if (keep) state.excluded.add(l.name);
      else state.excluded.delete(l.name);
      b.setAttribute('aria-pressed', String(keep));
    });
    return b;
  }));
}

// ---- 2. quantize --------------------------------------------------------------------------
function progress({ stage, fraction }) {
  show('#progress');
  $('#progress').value = fraction;
  text('#progress-label', `${stage}… ${Math.round(fraction * 100)}%`);
}

async function quantize() {
  const mode = document.querySelector('input[name=mode]:checked').value;
  const options = {
    symmetric: document.querySelector('input[name=scheme]:checked').value === 'symmetric',
    perChannel: document.querySelector('input[name=granularity]:checked').value === 'per-channel',
    mode,
  };
  if (mode === 'llm-int8') {
    const field = $('#outlier-threshold').value.trim();
    options.outlierThreshold = Number(field);
    if (field === '' || !Number.isFinite(options.outlierThreshold) || options.outlierThreshold < 0) {
      setError(`The outlier threshold must be a number ≥ 0 (0 sends no column to fp32), got '${field}'.`);
      return;
    }
  }
  const calibration = mode === 'static' ? { observer: $('#observer').value } : null;
  let normalization;
  try {
    normalization = preprocessingFromFields();
  } catch (e) {
    setError(`Cannot quantize: ${e.message}.`);
    return;
  }
  if (state.busy) return;
  setBusy(true);
  document.body.dataset.quantized = 'false';
  text('#progress-label', 'starting…');
  try {
    await call('setNormalization', normalization ?? { mean: null, std: null });
    state.normalization = normalization;
    const result = await call('quantize', { options, calibration, exclude: [...state.excluded] }, { onProgress: progress });
    state.quantized = true;
    renderComparison(result);
    show('#compare-panel');
    show('#export-panel');
    text('#export-status', '');
    if (state.useTestSet) {
      const accuracy = await call('evaluate', {}, { onProgress: progress });
      renderAccuracy(accuracy);
      show('#image-viewer');
      await showImage(Number($('#image-index').value));
    } else {
      show('#accuracy-card', false);
      show('#no-accuracy-card');
      text('#no-accuracy', `Not shown: ${state.noAccuracyReason}.`);
      show('#image-viewer', false);
    }
    $('#timing-table tbody').replaceChildren(...timingRows(await call('timings', {}, { onProgress: progress })));
    show('#timing');
    text('#progress-label', `done: quantized in ${result.quantizeMs.toFixed(0)} ms`);
    show('#progress', false);
    document.body.dataset.quantized = 'true';
  } catch (e) {
    text('#progress-label', '');
    show('#progress', false);
    setError(`Quantization failed: ${e.message}`);
  } finally {
    setBusy(false);
  }
}

// The forward mode, with what llm-int8 found in the 64 probe inputs or static mode's input qparams.
function modeText(l) {
  if (l.mode === 'llm-int8') return `llm-int8: ${l.lastOutlierColumns}/${l.inFeatures} cols |x| ≥ ${l.outlierThreshold} in fp32`;
  if (l.mode === 'static') return `static: input s=${l.inputQParams.scale[0].toPrecision(3)} z=${l.inputQParams.zeroPoint[0]}`;
  return l.mode ?? '—';
}

function renderComparison({ report, savedBytes }) {
  const { layers, bytes, bytesFp32, comparison } = report;
  text('#size-summary', `${bytesText(bytesFp32)} → ${bytesText(bytes)} (${((bytes / bytesFp32) * 100).toFixed(1)}%); file ${bytesText(savedBytes)}`);
  text('#output-label', state.useTestSet
    ? `outputs vs fp32 (64 test images; ${preprocessingText(state.normalization)})`
    : `outputs vs fp32 (64 synthetic inputs: ${state.noAccuracyReason ? 'the model does not take the test images' : 'no test images'})`);
  text('#output-summary', `SQNR ${sqnrText(comparison.outputError)}, max |err| ${comparison.outputError.maxAbsError.toExponential(2)}, argmax ${(comparison.argmaxAgreement * 100).toFixed(0)}% same`);
  $('#layer-table tbody').replaceChildren(...layers.map((l, i) => {
    const tr = document.createElement('tr');
    tr.dataset.layer = l.name;
    tr.append(
      cell(l.name), cell(`${l.outFeatures}×${l.inFeatures}`), cell(l.kind === 'linear' ? 'fp32' : l.dtype), cell(l.scheme ?? '—'),
      cell(modeText(l)), cell(l.bytesFp32.toLocaleString('en')), cell(l.bytes.toLocaleString('en')),
      cell(l.scaleMin === null ? '—' : `${l.scaleMin.toPrecision(3)} … ${l.scaleMax.toPrecision(3)}`),
      cell(l.weightError ? l.weightError.maxAbsError.toExponential(2) : '—'), cell(sqnrText(l.weightError)),
      cell(sqnrText(comparison.layerError[i])),
    );
    tr.addEventListener('click', () => selectLayer(l.name));
    return tr;
  }));
  const first = layers.find((l) => l.kind === 'quant_linear') ?? layers[0];
  selectLayer(first.name);
}

async function selectLayer(name) {
  for (const tr of document.querySelectorAll('#layer-table tbody tr')) tr.classList.toggle('selected', tr.dataset.layer === name);
  const errors = await call('weightErrors', { layer: name });
  drawHistogram($('#histogram'), errors, { label: `layer ${name}: int8 − fp32 weight, ` });
  $('#histogram').dataset.layer = name;
}

function renderAccuracy({ fp32, int8, images }) {
  show('#accuracy-card');
  show('#no-accuracy-card', false);
  text('#accuracy-label', `test accuracy (${images.toLocaleString('en')} images)`);
  text('#accuracy-inputs', preprocessingText(state.normalization));
  const pct = (v) => `${(v * 100).toFixed(2)}%`;
  text('#accuracy-summary', `fp32 ${pct(fp32.accuracy)} · int8 ${pct(int8.accuracy)}`);
  $('#accuracy-summary').dataset.fp32 = String(fp32.accuracy);
  $('#accuracy-summary').dataset.int8 = String(int8.accuracy);
}

async function showImage(index) {
  const i = Math.min(Math.max(0, Math.trunc(index) || 0), state.testSet.count - 1);
  $('#image-index').value = String(i);
  drawImage($('#image-canvas'), state.testSet.images.subarray(i * 784, (i + 1) * 784));
  const p = await call('predict', { index: i });
  const name = (k) => state.classes[k];
  const best = (probs) => probs.indexOf(Math.max(...probs));
  text('#image-label', `true class: ${name(p.label)}`);
  text('#fp32-prediction', `${name(best(p.fp32))} (${(Math.max(...p.fp32) * 100).toFixed(1)}%)`);
  text('#int8-prediction', `${name(best(p.int8))} (${(Math.max(...p.int8) * 100).toFixed(1)}%)`);
  $('#fp32-prediction').dataset.class = String(best(p.fp32));
  $('#int8-prediction').dataset.class = String(best(p.int8));
  drawProbabilities($('#fp32-bars'), p.fp32, state.classes, { color: '#6a7388' });
  drawProbabilities($('#int8-bars'), p.int8, state.classes);
}

// ---- 4. export ----------------------------------------------------------------------------
async function exportModel() {
  const bytes = await call('exportInt8');
  const name = (state.fileName ?? 'model.safetensors').replace(/(\.safetensors)?$/, '.int8.safetensors');
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  text('#export-status', `${name}: ${bytesText(bytes.length)}`);
}

// ---- wiring -------------------------------------------------------------------------------
async function readFile(file) {
  await loadBytes(new Uint8Array(await file.arrayBuffer()), file.name);
}

$('#load-sample').addEventListener('click', async () => {
  text('#load-status', 'downloading the sample model…');
  try {
    const response = await fetch(SAMPLE_URL);
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${SAMPLE_URL.pathname}`);
    await loadBytes(new Uint8Array(await response.arrayBuffer()), 'fashion_mnist_mlp.safetensors');
  } catch (e) {
    text('#load-status', '');
    setError(`Could not download the sample model: ${e.message}`);
  }
});
$('#file-input').addEventListener('change', (e) => {
  const [file] = e.target.files;
  e.target.value = ''; // picking the same file again loads it again (a change event fires)
  if (file) readFile(file);
});
const drop = $('#drop-zone');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (file && !state.busy) readFile(file);
});
$('#quantize').addEventListener('click', quantize);
$('#spec').addEventListener('input', specInUse);
$('#clear-spec').addEventListener('click', () => {
  $('#spec').value = '';
  specInUse();
});
$('#reload').addEventListener('click', () => loadWith(state.fileName, '', 'reload', {}));

// The forward modes and calibration observers the library offers, each with what it means, and
// their defaults: from its option table, so the page offers what the library has.
function renderChoices(table) {
  const option = (group, name) => table.groups.find((g) => g.name === group).options.find((o) => o.name === name);
  const enumOf = (type) => table.enums.find((e) => e.type === type);
  const mode = option('QuantizeOptions', 'mode');
  const modes = enumOf(mode.type);
  $('#modes').append(...modes.names.map((name, i) => {
    const label = document.createElement('label');
    const radio = Object.assign(document.createElement('input'), { type: 'radio', name: 'mode', value: name, checked: name === mode.default });
    radio.addEventListener('change', () => {
      show('#threshold-setting', radio.value === 'llm-int8');
      show('#observer-setting', radio.value === 'static');
    });
    label.title = modes.descriptions[i];
    label.append(radio, ` ${name}`);
    return label;
  }));
  const observer = option('PrepareOptions', 'observer');
  const observers = enumOf(observer.type);
  $('#observer').append(...observers.names.map((name, i) =>
    Object.assign(document.createElement('option'), { value: name, selected: name === observer.default, textContent: observers.descriptions[i] })));
  $('#outlier-threshold').value = option('QuantizeOptions', 'outlierThreshold').default;
  const activation = option('LoadOptions', 'activation');
  $('#activation').append(...enumOf(activation.type).names.map((name) =>
    Object.assign(document.createElement('option'), { value: name, selected: name === activation.default, textContent: name })));
}
$('#export').addEventListener('click', exportModel);
$('#image-index').addEventListener('change', (e) => showImage(Number(e.target.value)));
$('#prev-image').addEventListener('click', () => showImage(Number($('#image-index').value) - 1));
$('#next-image').addEventListener('click', () => showImage(Number($('#image-index').value) + 1));

call('setTestSet', { count: 0, features: 0, pixels: new Float32Array(0), labels: new Uint8Array(0) })
  .then(() => call('optionTable'))
  .then((table) => renderChoices(table))
  .then(() => call('capabilities'))
  .then((c) => {
    const simd = c.build.kernels === 'wasm-relaxed-simd' ? ' SIMD128 with relaxed SIMD\'s int8 dot' : c.build.simd128 ? ' SIMD128' : '';
    text('#status', `qlinear ${c.version} is ready: WebAssembly${simd}, in a ${c.environment}, ` +
      `heap ${(c.memory.reserved / 2 ** 20).toFixed(0)} of at most ${(c.memory.limit / 2 ** 20).toFixed(0)} MiB, ` +
      `${c.hardwareConcurrency ?? '?'} hardware threads, ${c.crossOriginIsolated ? '' : 'not '}cross-origin isolated, ` +
      `${c.threads.count > 1 ? `int8 kernels on ${c.threads.count} threads` : c.threads.reason}.`);
    document.body.dataset.ready = 'true';
  })
  .catch((e) => text('#status', `Could not start qlinear: ${e.message}`));
