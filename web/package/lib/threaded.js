// Loading a threaded module (pthreads; bindings/CMakeLists.txt) for init({ threads }) above 1:
// its glue, its .wasm and Emscripten's worker script, which every worker runs and which imports
// the glue again (the URLs are dist/manifest.js's). Loaded by URL (not bundled), so that a bundler
// copies the glue as a file that the workers can import too.
import { QlinearError, unwrap } from './objects.js';

const isNode = typeof process === 'object' && !!process.versions?.node;

// The worker script as a blob: URL of this page's origin, whatever the script's own URL is: a
// bundler may inline it as a data: URL (Vite does, under 4 KiB), whose opaque origin could not
// import the glue, and a page cannot start a worker from another origin's (a CDN's) URL.
async function workerScriptUrl(worker) {
  const response = await fetch(worker);
  if (!response.ok)
    throw new QlinearError(`init(): could not load the threaded module's worker script ${worker.href} (HTTP ${response.status})`);
  return URL.createObjectURL(new Blob([await response.text()], { type: 'text/javascript' }));
}

// Rejects when one of the module's workers reports an error while the module starts (a script
// that fails to load, a content security policy without blob: workers, ...): Emscripten 3.1.6's
// glue only logs it, and its promise would never settle. stop() ends the watch once started.
function watchWorkers(workers) {
  let stopped = false;
  const failed = new Promise((_, reject) => {
    const fail = (e) => {
      if (!stopped) reject(new QlinearError(`init(): a worker of the threaded module failed to start: ${e?.message ?? e}`));
    };
    for (const worker of workers) {
      if (isNode) worker.on('error', fail);
      else worker.addEventListener('error', fail);
    }
  });
  return { failed, stop: () => { stopped = true; } };
}

/**
 * Creates a threaded module (`packaged`: its dist/manifest.js entry, with the glue, .wasm and
 * worker script URLs) with `threads` − 1 workers, started before it resolves.
 */
export async function createThreadedModule(threads, packaged) {
  const { glue, wasm, worker } = packaged;
  const { default: createThreaded } = await import(/* @vite-ignore */ /* webpackIgnore: true */ glue.href);
  const moduleArgs = {
    qlinearWorkers: threads - 1,
    // What each worker imports: the glue's own URL (in a bundle, the copied file, not the app).
    mainScriptUrlOrBlob: glue.href,
  };
  let workerUrl = null;
  if (isNode) {
    // threadSupport() checked that Node has process.getBuiltinModule.
    const { fileURLToPath } = process.getBuiltinModule('node:url');
    moduleArgs.wasmBinary = await process.getBuiltinModule('node:fs').promises.readFile(wasm);
    // Node's Worker takes a path, not a file: URL.
    moduleArgs.locateFile = (path) => fileURLToPath(path.endsWith('.worker.js') ? worker : wasm);
  } else {
    workerUrl = await workerScriptUrl(worker);
    moduleArgs.locateFile = (path) => (path.endsWith('.worker.js') ? workerUrl : wasm.href);
  }
  // The factory fills moduleArgs in (MODULARIZE): its PThread and the pool's workers exist as
  // soon as it returns.
  const ready = createThreaded(moduleArgs);
  const watch = watchWorkers(moduleArgs.PThread.unusedWorkers);
  try {
    const module = await Promise.race([ready, watch.failed]);
    unwrap(module._setThreads(threads));
    // Idle workers must not keep a Node process alive: a script that never calls anything special
    // still exits (the workers end with it). Only once they have started: an unref() before that
    // does not hold.
    if (isNode) for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) worker.unref();
    return module;
  } catch (e) {
    moduleArgs.PThread.terminateAllThreads(); // a retry starts its own
    throw e;
  } finally {
    watch.stop();
    // The workers have loaded the script by now (the strict pool starts no others).
    if (workerUrl) URL.revokeObjectURL(workerUrl);
  }
}
