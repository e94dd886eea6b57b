// Plain-text output for the CLI: aligned tables, sizes and a progress line for long reads.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(bytes < 1e5 ? 3 : 2)} MB`;
}

/** rows: arrays of cells; the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => String(cell ?? '').padEnd(widths[c])).join('  ').trimEnd())
    .join('\n');
}

const PROGRESS_FROM_BYTES = 16 * 1024 * 1024;

/** Reads a whole file, reporting progress on stderr when it is large enough to take a while. */
export async function readFileWithProgress(path, log) {
  const { size } = await stat(path);
  const chunks = [];
  let read = 0, reported = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    chunks.push(chunk);
    read += chunk.length;
    const percent = Math.floor((read / size) * 100);
    if (size >= PROGRESS_FROM_BYTES && percent >= reported + 25) {
      reported = percent - (percent % 25);
      log(`reading ${path}: ${reported}% of ${megabytes(size)}`);
    }
  }
  const bytes = Buffer.concat(chunks, read);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
