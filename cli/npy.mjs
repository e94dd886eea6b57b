// A strict reader of NumPy .npy files (format versions 1-3): little-endian float32 or float64,
// C order, 1-D [features] or 2-D [batch, features]. The format is a magic string, a version, a
// header length and a Python-literal dict header; see numpy.lib.format.
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** @returns {{ shape: number[], values: Float32Array }} */
export function parseNpy(bytes) {
  const fail = (why) => {
    throw new Error(`not a .npy file qlinear can read: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('it does not start with \\x93NUMPY');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength, headerStart;
  if (major === 1) [headerLength, headerStart] = [view.getUint16(8, true), 10];
  else if (major === 2 || major === 3) [headerLength, headerStart] = [view.getUint32(8, true), 12];
  else fail(`unknown format version ${major}`);
  if (headerStart + headerLength > bytes.length) fail('the header runs past the end of the file');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`unreadable header ${header.trim()}`);
  if (fortran === 'True') fail('Fortran-ordered arrays are not supported (save with np.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.length < 1 || shape.length > 2 || shape.some((d) => !Number.isInteger(d) || d < 0))
    fail(`shape (${shapeText}) must be (features,) or (batch, features)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const bytesPer = { '<f4': 4, '<f8': 8 }[descr] ?? fail(`dtype '${descr}' (qlinear reads '<f4' float32 and '<f8' float64)`);
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart !== count * bytesPer)
    fail(`shape (${shapeText}) of ${descr} needs ${count * bytesPer} bytes of data, the file has ${bytes.length - dataStart}`);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++)
    values[i] = bytesPer === 4 ? view.getFloat32(dataStart + 4 * i, true) : view.getFloat64(dataStart + 8 * i, true);
  return { shape, values };
}
