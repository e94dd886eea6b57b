// Model inputs from files: .npy, or JSON (one row [x, ...], rows [[x, ...], ...], or
// { "batch": B, "values": [...] }).
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { parseNpy } from './npy.mjs';

/** @returns {Promise<{ batch: number, values: Float32Array }>} */
export async function readInput(path, features) {
  const bytes = await readFile(path);
  let batch, values;
  if (extname(path).toLowerCase() === '.npy') {
    const array = parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    batch = array.shape.length === 2 ? array.shape[0] : 1;
    values = array.values;
  } else {
    let doc;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new Error(`${path} is neither .npy nor valid JSON: ${e.message}`);
    }
    if (Array.isArray(doc) && doc.length > 0 && doc.every(Array.isArray)) {
      const short = doc.findIndex((row) => row.length !== features);
      if (short >= 0) throw new Error(`${path}: row ${short} has ${doc[short].length} values; the model takes ${features} features per row`);
      [batch, values] = [doc.length, doc.flat()];
    }
    else if (Array.isArray(doc)) [batch, values] = [1, doc];
    else if (doc && Array.isArray(doc.values) && Number.isInteger(doc.batch)) [batch, values] = [doc.batch, doc.values];
    else throw new Error(`${path}: expected [x, ...], [[x, ...], ...] or {"batch": B, "values": [...]}`);
    if (!values.every((v) => typeof v === 'number')) throw new Error(`${path}: every input value must be a number`);
    values = Float32Array.from(values);
  }
  if (batch < 1 || values.length !== batch * features)
    throw new Error(`${path} holds ${values.length} values in ${batch} row(s); the model takes ${features} features per row`);
  return { batch, values };
}
