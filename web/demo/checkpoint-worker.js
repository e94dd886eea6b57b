// The checkpoint page's worker: opens the chosen files with FileReaderSync (a Blob read at an
// offset, synchronously, as the core asks), plans, and quantizes as the tensors stream by. The
// output goes where the page chose:
//   'page' — each piece is posted to the page, which writes it to the file showSaveFilePicker
//            gave; a SharedArrayBuffer counts the bytes still in flight and the worker waits while
//            more than IN_FLIGHT_LIMIT are, so memory stays bounded however slow the disk;
//   'opfs' — written synchronously into the origin-private file system (createSyncAccessHandle),
//            under a temporary name renamed when complete; the page offers it as a download;
//   'blob' — kept as Blob parts (the output's size in memory), for browsers with neither.
// Requests and replies follow worker-client.js.
import { init, memory, optionTable, Checkpoint, outputConfig, moduleTree } from '../package/qlinear.js';
import { DEMO_THREADS } from './threads.js';

const OUTPUT_FOLDER = 'qlinear-output';
const IN_FLIGHT_LIMIT = 64 * 2 ** 20;

let checkpoint = null;
let config = '';
let exclude = [];

const ready = init({ threads: DEMO_THREADS });

// A File read at offsets, as Checkpoint.open() takes it.
function blobFile(file) {
  const reader = new FileReaderSync();
  return {
    name: file.name,
    size: file.size,
    read(offset, target) {
      const bytes = reader.readAsArrayBuffer(file.slice(offset, offset + target.length));
      if (bytes.byteLength !== target.length)
        throw new Error(`${file.name} ends at byte ${offset + bytes.byteLength}, before the ${target.length} bytes asked for`);
      target.set(new Uint8Array(bytes));
    },
  };
}

function describePlan() {
  const plan = checkpoint.plan({ config, exclude });
  return { plan, tree: moduleTree(checkpoint.tensors, plan) };
}

// Where the output goes: { write(bytes), finish() → result fields, abandon() }.
async function openSink(target, name, id, flow) {
  if (target === 'page') {
    const inFlight = new Int32Array(flow); // KiB posted and not yet written by the page
    const limit = IN_FLIGHT_LIMIT / 1024;
    return {
      write(bytes) {
        const chunk = bytes.slice(); // out of the wasm heap, to be transferred
        Atomics.add(inFlight, 0, Math.ceil(chunk.length / 1024));
        self.postMessage({ id, chunk }, [chunk.buffer]);
        for (let now = Atomics.load(inFlight, 0); now > limit; now = Atomics.load(inFlight, 0)) Atomics.wait(inFlight, 0, now);
      },
      finish: async () => ({}),
      abandon: async () => {},
    };
  }
  if (target === 'opfs') {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(OUTPUT_FOLDER, { recursive: true }).catch(() => {}); // the last run's output
    const folder = await root.getDirectoryHandle(OUTPUT_FOLDER, { create: true });
    const partial = `${name}.partial`;
    const handle = await folder.getFileHandle(partial, { create: true });
    const access = await handle.createSyncAccessHandle();
    let at = 0;
    const close = () => {
      access.flush();
      access.close();
    };
    return {
      write(bytes) {
        for (let done = 0; done < bytes.length;) done += access.write(bytes.subarray(done), { at: at + done });
        at += bytes.length;
      },
      async finish() {
        close();
        if (typeof handle.move === 'function') await handle.move(name);
        return { opfs: { folder: OUTPUT_FOLDER, name: typeof handle.move === 'function' ? name : partial } };
      },
      async abandon() {
        close();
        await folder.removeEntry(partial);
      },
    };
  }
  const parts = [];
  return {
    write: (bytes) => parts.push(bytes.slice()),
    finish: async () => ({ blob: new Blob(parts, { type: 'application/octet-stream' }) }),
    abandon: async () => { parts.length = 0; },
  };
}

const handlers = {
  optionTable: () => optionTable(),

  // What this browser offers a worker for writing the output.
  outputs: () => ({
    opfs: typeof navigator.storage?.getDirectory === 'function' && typeof FileSystemFileHandle === 'function' &&
      typeof FileSystemFileHandle.prototype.createSyncAccessHandle === 'function',
  }),

  // files: File[] (.safetensors); index: { name, text } | null; configText: config.json or ''.
  open({ files, index, configText }) {
    checkpoint?.dispose();
    checkpoint = null;
    config = configText;
    exclude = [];
    checkpoint = Checkpoint.open(files.map(blobFile), { index });
    const { plan, tree } = describePlan();
    return {
      tensors: checkpoint.tensors,
      metadata: checkpoint.metadata,
      fileBytes: files.reduce((sum, f) => sum + f.size, 0),
      plan,
      tree,
    };
  },

  setExclude({ patterns }) {
    const previous = exclude;
    exclude = patterns;
    try {
      return describePlan();
    } catch (e) {
      exclude = previous;
      throw e;
    }
  },

  // target: 'page' | 'opfs' | 'blob'; flow: the 'page' target's SharedArrayBuffer; stop: an
  // Int32Array's SharedArrayBuffer that the page sets to 1 to stop.
  async quantize({ format, keepDtype, target, name, flow, stop }, progress, id) {
    if (!checkpoint) throw new Error('no checkpoint open');
    const plan = checkpoint.plan({ config, exclude });
    const sink = await openSink(target, name, id, flow);
    const stopFlag = stop ? new Int32Array(stop) : null;
    const started = performance.now();
    try {
      const bytes = checkpoint.quantize(plan, { format, keepDtype }, {
        write: (chunk) => sink.write(chunk),
        onProgress(report) {
          if (stopFlag && Atomics.load(stopFlag, 0)) throw new Error('stopped: nothing was saved');
          progress('quantizing', report.bytesWritten / report.bytesTotal, report);
        },
      });
      const seconds = (performance.now() - started) / 1000;
      return { bytes, seconds, memory: memory(), config: outputConfig(config, plan, { format, keepDtype }), ...(await sink.finish()) };
    } catch (e) {
      await sink.abandon();
      throw e;
    }
  },
};

self.onmessage = async ({ data }) => {
  const { id, type, ...args } = data;
  const progress = (stage, fraction, detail = {}) => self.postMessage({ id, progress: { stage, fraction, ...detail } });
  try {
    await ready;
    self.postMessage({ id, result: await handlers[type](args, progress, id) });
  } catch (e) {
    self.postMessage({ id, error: String(e?.message ?? e) });
  }
};
