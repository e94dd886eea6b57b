// The Fashion-MNIST test set in the browser: the gzipped IDX files that `npm start` serves from
// Debian's dataset-fashion-mnist package, decompressed with DecompressionStream.
const BASE = '/data/fashion-mnist/';

async function fetchIdx(name, expectedMagic) {
  const response = await fetch(BASE + name);
  if (!response.ok) throw new Error(`${BASE}${name}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const view = new DataView(bytes.buffer);
  if (view.getUint32(0) !== expectedMagic) throw new Error(`${name} is not an IDX file`);
  const dims = Array.from({ length: expectedMagic & 0xff }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * dims.length) };
}

/** { count, features, pixels (float32, pixel/255 as in training), labels, images (raw bytes) } */
export async function loadTestSet() {
  const [images, labels] = await Promise.all([
    fetchIdx('t10k-images-idx3-ubyte.gz', 0x00000803),
    fetchIdx('t10k-labels-idx1-ubyte.gz', 0x00000801),
  ]);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  return { count: images.dims[0], features: images.dims[1] * images.dims[2], pixels, labels: labels.data, images: images.data };
}
