// The checkpoint page: open a safetensors checkpoint (a file, its shards, or a folder), show its
// module tree and what will be quantized, then quantize it in checkpoint-worker.js and save the
// result as it streams. This file only drives the page.
import { workerClient } from './worker-client.js';

const $ = (selector) => document.querySelector(selector);
const call = workerClient(new URL('./checkpoint-worker.js', import.meta.url));

const state = { opened: null, exclude: [], busy: false, stop: null, downloadUrl: null, configUrl: null };

const show = (selector, visible = true) => { $(selector).hidden = !visible; };
const text = (selector, value) => { $(selector).textContent = value; };
const mb = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const shapeText = (dims) => `[${dims.join(', ')}]`;

function setError(selector, message) {
  $(selector).textContent = message ?? '';
  show(selector, Boolean(message));
}

function setBusy(busy) {
  state.busy = busy;
  for (const selector of ['#files-input', '#folder-input', '#quantize']) $(selector).disabled = busy;
  $('#drop-zone').classList.toggle('disabled', busy);
  $('#module-tree').classList.toggle('disabled', busy);
}

// ---- 1. the files -------------------------------------------------------------------------
// A model folder holds model.safetensors or shards with model.safetensors.index.json, and
// config.json (which says the architecture); anything else in it (tokenizer files) is ignored.
async function sortFiles(files) {
  const safetensors = files.filter((f) => f.name.endsWith('.safetensors'));
  const indexFile = files.find((f) => f.name.endsWith('.safetensors.index.json'));
  const configFile = files.find((f) => f.name === 'config.json');
  if (!safetensors.length && !indexFile)
    throw new Error(`none of ${files.map((f) => f.name).join(', ') || 'the files'} is a .safetensors checkpoint. ` +
      'From PyTorch: safetensors.torch.save_file(model.state_dict(), "model.safetensors"), or ' +
      'model.save_pretrained(folder) with transformers.');
  const configText = configFile ? await configFile.text() : '';
  if (!indexFile) {
    if (safetensors.length > 1)
      throw new Error(`${safetensors.length} .safetensors files (${safetensors.map((f) => f.name).join(', ')}) need the ` +
        'model.safetensors.index.json that says which tensors each holds');
    return { files: safetensors, index: null, configText };
  }
  const indexText = await indexFile.text();
  let shards;
  try {
    shards = new Set(Object.values(JSON.parse(indexText).weight_map ?? {}));
  } catch (e) {
    throw new Error(`${indexFile.name}: not valid JSON: ${e.message}`);
  }
  // The shards the index names that are here; the core names any that is missing.
  return { files: safetensors.filter((f) => shards.has(f.name)), index: { name: indexFile.name, text: indexText }, configText };
}

async function openFiles(files) {
  if (state.busy) return;
  setError('#open-error', null);
  setBusy(true);
  try {
    const { files: chosen, index, configText } = await sortFiles(files);
    text('#open-status', `reading the headers of ${chosen.map((f) => f.name).join(', ')}…`);
    state.opened = await call('open', { files: chosen, index, configText });
    state.opened.configText = configText;
    state.opened.names = chosen.map((f) => f.name);
    state.exclude = [];
    renderPlan(state.opened);
    show('#plan-panel');
    show('#write-panel');
    show('#done', false);
    setError('#write-error', null);
    $('#layer-table tbody').replaceChildren();
  } catch (e) {
    state.opened = null;
    text('#open-status', '');
    setError('#open-error', e.message);
    show('#plan-panel', false);
    show('#write-panel', false);
  } finally {
    setBusy(false);
  }
}

// Top-level files of a dropped folder (readEntries answers in batches until it answers none).
async function droppedFiles(items) {
  const entries = [...items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  const files = [];
  const fileOf = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));
  for (const entry of entries) {
    if (entry.isFile) files.push(await fileOf(entry));
    else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (let batch; (batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject))).length;)
        for (const child of batch) if (child.isFile) files.push(await fileOf(child));
    }
  }
  return files;
}

// ---- 2. the module tree -------------------------------------------------------------------
function tensorLine(t) {
  const li = document.createElement('li');
  li.className = t.quantize ? 'tensor int8' : 'tensor';
  li.textContent = `${t.leaf}  ${t.dtype} ${shapeText(t.shape)}  ${t.quantize ? `→ int8 (${t.reason}, ${t.outFeatures} out × ${t.inFeatures} in)` : `kept: ${t.reason}`}`;
  return li;
}

function hasLinear(node) {
  return node.tensors.some((t) => t.quantize || t.reason.startsWith('excluded by')) || node.children.some(hasLinear);
}

function moduleItem(node) {
  const li = document.createElement('li');
  if (node.part === '') {
    li.append(...node.tensors.map(tensorLine));
    return li;
  }
  const excluded = state.exclude.includes(node.pattern);
  const label = document.createElement(hasLinear(node) || excluded ? 'button' : 'span');
  label.className = `module${excluded ? ' excluded' : ''}`;
  label.textContent = `(${node.part})${node.blocks ? ` … (${node.blocks.last}): ${node.blocks.count} blocks like this one` : ''}`;
  label.dataset.pattern = node.pattern;
  if (label.tagName === 'BUTTON') {
    label.type = 'button';
    label.setAttribute('aria-pressed', String(excluded));
    label.title = excluded ? `quantize ${node.pattern} again` : `keep ${node.pattern} as it is`;
    label.addEventListener('click', () => toggleExclude(node.pattern));
  }
  const list = document.createElement('ul');
  list.append(...node.tensors.map(tensorLine), ...node.children.map(moduleItem));
  li.append(label, list);
  return li;
}

function renderPlan({ tensors, plan, tree, fileBytes, names }) {
  const quantized = plan.tensors.filter((t) => t.quantize);
  const int8Params = quantized.reduce((sum, t) => sum + t.outFeatures * t.inFeatures, 0);
  const params = tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  text('#open-status', `${names.join(', ')}: ${mb(fileBytes)}, ${tensors.length} tensors${plan.modelType ? `, model type ${plan.modelType}` : ''}`);
  text('#plan-summary', `${quantized.length} linear layers to int8 (${((int8Params / Math.max(params, 1)) * 100).toFixed(1)} % of the ` +
    `${(params / 1e6).toFixed(1)} M parameters); the rest kept${state.exclude.length ? `; kept by you: ${state.exclude.join(', ')}` : ''}.`);
  const root = document.createElement('ul');
  root.append(...tree.map(moduleItem));
  $('#module-tree').replaceChildren(root);
}

async function toggleExclude(pattern) {
  if (state.busy || !state.opened) return;
  const next = state.exclude.includes(pattern) ? state.exclude.filter((p) => p !== pattern) : [...state.exclude, pattern];
  setBusy(true);
  try {
    const { plan, tree } = await call('setExclude', { patterns: next });
    state.exclude = next;
    Object.assign(state.opened, { plan, tree });
    renderPlan(state.opened);
  } catch (e) {
    setError('#open-error', e.message);
  } finally {
    setBusy(false);
  }
}

// ---- 3. quantize and save -----------------------------------------------------------------
function selectedFormat() {
  return document.querySelector('input[name=format]:checked').value;
}

// Where the output is written: straight into a file the user picks where the browser can
// (Chromium's showSaveFilePicker, fed through a SharedArrayBuffer-paced stream), else the
// origin-private file system, else memory.
async function chooseTarget(name) {
  if (typeof window.showSaveFilePicker === 'function' && window.crossOriginIsolated) {
    const handle = await window.showSaveFilePicker({ suggestedName: name,
      types: [{ description: 'safetensors checkpoint', accept: { 'application/octet-stream': ['.safetensors'] } }] });
    // The stream writes to a side file that replaces the target only on close(): an error or
    // Stop (abort()) leaves the chosen file as it was, and the empty file the picker made for a
    // new name is removed.
    const created = (await handle.getFile()).size === 0;
    return { kind: 'page', handle, created, writable: await handle.createWritable(), label: `writing to ${handle.name}` };
  }
  if (state.outputs.opfs) return { kind: 'opfs', label: 'writing to the browser\'s private storage, then offered as a download' };
  return { kind: 'blob', label: 'kept in memory (this browser has no file streaming), then offered as a download' };
}

function progressText(p, started) {
  const seconds = (performance.now() - started) / 1000;
  const total = state.opened.fileBytes;
  const read = Math.min(p.fraction, 1) * total;
  const rate = read / Math.max(seconds, 1e-3);
  const eta = rate > 0 ? (total - read) / rate : 0;
  return `${(p.fraction * 100).toFixed(0)} %: ${mb(read)} of ${mb(total)}, ${(rate / 1e6).toFixed(0)} MB/s, ETA ${eta.toFixed(0)} s`;
}

function layerRow({ module, outFeatures, inFeatures, scaleMin, scaleMax, error }) {
  const tr = document.createElement('tr');
  const sqnr = Number.isFinite(error.sqnrDb) ? `${error.sqnrDb.toFixed(1)} dB` : 'exact';
  for (const value of [module, shapeText([outFeatures, inFeatures]), `${scaleMin.toExponential(3)} … ${scaleMax.toExponential(3)}`,
    error.maxAbsError.toExponential(3), sqnr]) {
    const td = document.createElement('td');
    td.textContent = value;
    tr.append(td);
  }
  return tr;
}

// What the output is for: qlinear runs MLPs; transformers and vLLM run the other architectures.
function whatFor(format, isMlp) {
  const mlp = isMlp ? ' This checkpoint is an MLP: the Model demo (and loadModel()) run it in the browser.' : ' qlinear does not run this architecture; it only quantizes it.';
  if (format === 'bitsandbytes')
    return 'Put the file, named model.safetensors, and this config.json in a folder: transformers loads it with ' +
      'AutoModelForCausalLM.from_pretrained(folder) (bitsandbytes needs a CUDA GPU).' + mlp;
  if (format === 'compressed-tensors')
    return 'Put the file, named model.safetensors, and this config.json (with the tokenizer files) in a folder: ' +
      'vLLM serves it with LLM(model=folder), as W8A8 int8.' + mlp;
  return 'qlinear\'s own format: loadModel() and `qlinear inspect` read it.' + mlp;
}

async function quantize() {
  if (state.busy || !state.opened) return;
  setError('#write-error', null);
  show('#done', false);
  const format = selectedFormat();
  const keepDtype = $('#keep-dtype').checked;
  const name = 'model.safetensors';
  let target;
  try {
    target = await chooseTarget(name);
  } catch (e) {
    if (e.name === 'AbortError') return; // the user closed the save dialog
    return setError('#write-error', e.message);
  }
  setBusy(true);
  const tbody = $('#layer-table tbody');
  tbody.replaceChildren();
  const stop = new SharedArrayBuffer(4);
  const flow = target.kind === 'page' ? new SharedArrayBuffer(4) : null;
  state.stop = new Int32Array(stop);
  show('#stop', true);
  show('#progress');
  text('#save-how', target.label);
  const started = performance.now();
  // 'page': pieces arrive in order and are written one after another; each written piece is
  // taken off the worker's in-flight count.
  let writing = Promise.resolve();
  let writeError = null;
  const onMessage = ({ chunk }) => {
    writing = writing.then(async () => {
      if (!writeError) {
        try {
          await target.writable.write(chunk);
        } catch (e) {
          writeError = e;
          Atomics.store(state.stop, 0, 1);
        }
      }
      const inFlight = new Int32Array(flow);
      Atomics.sub(inFlight, 0, Math.ceil(chunk.length / 1024));
      Atomics.notify(inFlight, 0);
    });
  };
  const onProgress = (p) => {
    $('#progress').value = p.fraction;
    text('#progress-label', progressText(p, started));
    if (p.layer) tbody.append(layerRow(p.layer));
  };
  try {
    const result = await call('quantize', { format, keepDtype, target: target.kind, name, flow, stop }, { onProgress, onMessage });
    await writing;
    if (writeError) throw writeError;
    if (target.kind === 'page') await target.writable.close();
    await finished(result, format, keepDtype, target);
  } catch (e) {
    await writing;
    if (target.kind === 'page') {
      await target.writable.abort().catch(() => {});
      if (target.created) await target.handle.remove?.().catch(() => {});
    }
    text('#progress-label', '');
    setError('#write-error', (writeError ?? e).message);
  } finally {
    show('#stop', false);
    show('#progress', false);
    state.stop = null;
    setBusy(false);
  }
}

async function finished(result, format, keepDtype, target) {
  const seconds = result.seconds;
  text('#progress-label', `done in ${seconds.toFixed(1)} s (${(state.opened.fileBytes / seconds / 1e6).toFixed(0)} MB/s)`);
  text('#done-summary', `model.safetensors: ${mb(result.bytes)} in ${format} format, ${((result.bytes / state.opened.fileBytes) * 100).toFixed(1)} % ` +
    `of the input; peak wasm heap ${(result.memory.reserved / 2 ** 20).toFixed(1)} MiB.`);
  for (const url of [state.downloadUrl, state.configUrl]) if (url) URL.revokeObjectURL(url);
  state.downloadUrl = null;
  let file = null;
  if (target.kind === 'opfs') {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(result.opfs.folder);
    file = await (await folder.getFileHandle(result.opfs.name)).getFile(); // on disk, not in memory
  } else if (target.kind === 'blob') file = result.blob;
  show('#download', Boolean(file));
  if (file) {
    state.downloadUrl = URL.createObjectURL(file);
    Object.assign($('#download'), { href: state.downloadUrl, download: 'model.safetensors', textContent: `Download model.safetensors (${mb(result.bytes)})` });
  }
  state.configUrl = URL.createObjectURL(new Blob([`${JSON.stringify(result.config, null, 2)}\n`], { type: 'application/json' }));
  $('#download-config').href = state.configUrl;
  const isMlp = !state.opened.plan.modelType && state.opened.plan.tensors.every((t) => t.linear || t.reason === 'bias');
  text('#what-for', whatFor(format, isMlp));
  show('#done');
  document.body.dataset.done = String(Number(document.body.dataset.done ?? 0) + 1);
}

// ---- wiring -------------------------------------------------------------------------------
$('#files-input').addEventListener('change', (e) => {
  openFiles([...e.target.files]);
  e.target.value = ''; // choosing the same files again opens them again
});
$('#folder-input').addEventListener('change', (e) => {
  // The folder's own files, not those of its subfolders (webkitRelativePath is folder/name).
  openFiles([...e.target.files].filter((f) => f.webkitRelativePath.split('/').length <= 2));
  e.target.value = '';
});
const zone = $('#drop-zone');
zone.addEventListener('dragover', (e) => {
  e.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', async (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  if (!state.busy) openFiles(await droppedFiles(e.dataTransfer.items));
});
$('#quantize').addEventListener('click', quantize);
$('#stop').addEventListener('click', () => state.stop && Atomics.store(state.stop, 0, 1));

function renderFormats(table) {
  const option = table.groups.find((g) => g.name === 'CheckpointOptions').options.find((o) => o.name === 'format');
  const formats = table.enums.find((e) => e.type === option.type);
  $('#formats').append(...formats.names.map((name, i) => {
    const label = document.createElement('label');
    const radio = Object.assign(document.createElement('input'), { type: 'radio', name: 'format', value: name, checked: name === option.default });
    radio.addEventListener('change', () => show('#keep-dtype-setting', radio.value === 'bitsandbytes'));
    label.append(radio, ` ${name}: ${formats.descriptions[i]}`);
    return label;
  }));
}

call('optionTable')
  .then(renderFormats)
  .then(() => call('outputs'))
  .then((outputs) => {
    state.outputs = outputs;
    const direct = typeof window.showSaveFilePicker === 'function' && window.crossOriginIsolated;
    text('#save-how', direct ? 'You choose where to save; the file is written as it is made.'
      : outputs.opfs ? 'The file is written to the browser\'s private storage as it is made, then offered as a download.'
        : 'This browser cannot stream to a file: the output is kept in memory, then offered as a download.');
    text('#status', 'qlinear is ready.');
    document.body.dataset.ready = 'true';
  })
  .catch((e) => text('#status', `Could not start qlinear: ${e.message}`));
