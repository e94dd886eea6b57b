// The Fashion-MNIST test set from Debian's dataset-fashion-mnist package (installed by
// scripts/bootstrap.sh): gzipped IDX files, read and checked here.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const DIR = '/usr/share/datasets/fashion-mnist';

function readIdx(path, expectedMagic) {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) throw new Error(`${path}: IDX magic ${magic.toString(16)}, expected ${expectedMagic.toString(16)}`);
  const dims = Array.from({ length: magic & 0xff }, (_, i) => view.getUint32(4 + 4 * i));
  const start = 4 + 4 * dims.length;
  if (bytes.length - start !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${path}: size does not match its header`);
  return { dims, data: bytes.subarray(start) };
}

/** 10,000 images as float32 pixel/255 (the sample model's preprocessing) and their labels. */
export function fashionMnistTestSet() {
  return readSet('t10k');
}

/** The 60,000 training images, the same way (calibration data must not come from the test set). */
export function fashionMnistTrainSet() {
  return readSet('train');
}

function readSet(prefix) {
  const images = readIdx(`${DIR}/${prefix}-images-idx3-ubyte.gz`, 0x00000803);
  const labels = readIdx(`${DIR}/${prefix}-labels-idx1-ubyte.gz`, 0x00000801);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255; // float32(double division), as in training
  return { count: images.dims[0], features: images.dims[1] * images.dims[2], pixels, labels: labels.data };
}

export function accuracy(logits, labels, classes) {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    correct += best === labels[r];
  }
  return correct / labels.length;
}
