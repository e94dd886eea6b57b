// A demo worker as promises: call(type, args) posts { id, type, ...args } and resolves with the
// worker's { id, result } (rejects with its { id, error }); { id, progress } messages in between
// go to onProgress, and any other { id, ... } message (a chunk of output) to onMessage.
export function workerClient(url) {
  const worker = new Worker(url, { type: 'module' });
  let nextId = 0;
  const pending = new Map();
  worker.onmessage = ({ data }) => {
    const job = pending.get(data.id);
    if (!job) return;
    if (data.progress) return job.onProgress?.(data.progress);
    if (!('result' in data) && !('error' in data)) return job.onMessage?.(data);
    pending.delete(data.id);
    if ('error' in data) job.reject(new Error(data.error));
    else job.resolve(data.result);
  };
  return function call(type, args = {}, { onProgress, onMessage, transfer = [] } = {}) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress, onMessage });
      worker.postMessage({ id, type, ...args }, transfer);
    });
  };
}
