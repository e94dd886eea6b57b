// Argument checking shared by the JS API: wrong types and misspelled options fail here, with
// a TypeError naming the argument, before anything reaches wasm.

export function checkKeys(options, allowed, where) {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options))
    if (!allowed.includes(key))
      throw new TypeError(`${where}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
}

export function toFloat32Array(values, name) {
  if (values instanceof Float32Array) return values;
  if (ArrayBuffer.isView(values) || Array.isArray(values)) {
    for (let i = 0; i < values.length; i++)
      if (typeof values[i] !== 'number')
        throw new TypeError(`${name}[${i}] is ${typeof values[i]}, expected a number`);
    return Float32Array.from(values);
  }
  throw new TypeError(`${name} must be a Float32Array or an array of numbers`);
}

export function toShape(shape, length, where) {
  if (shape === undefined) return Int32Array.of(length);
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape))
    throw new TypeError(`${where}: shape must be an array of non-negative integers`);
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0 || d > 0x7fffffff)
      throw new TypeError(`${where}: shape [${Array.from(shape).join(', ')}] must hold non-negative integers`);
  return Int32Array.from(shape);
}

export function oneOf(value, allowed, name, where) {
  if (!allowed.includes(value))
    throw new TypeError(`${where}: ${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(value)}`);
  return value;
}

export function bool(value, name, where) {
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be true or false`);
  return value;
}

export function finiteNumber(value, name, where, { min = -Infinity, max = Infinity, minExclusive = false } = {}) {
  const tooLow = minExclusive ? value <= min : value < min;
  if (typeof value !== 'number' || !Number.isFinite(value) || tooLow || value > max)
    throw new TypeError(`${where}: ${name} must be a finite number ${minExclusive ? '>' : '>='} ${min}` +
      `${max < 3e38 ? ` and <= ${max}` : ''}, got ${String(value)}`);
  return value;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

// Embind converts JS numbers to C++ int by wrapping modulo 2^32, so anything outside int32
// must be refused here rather than silently become another number.
export function integer(value, name, where, { min = INT32_MIN, max = INT32_MAX } = {}) {
  if (!Number.isInteger(value)) throw new TypeError(`${where}: ${name} must be an integer`);
  if (value < min || value > max) throw new TypeError(`${where}: ${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** An Int32Array copy of integer values, each checked to be an int32. */
export function toInt32Array(values, name, where) {
  if (!ArrayBuffer.isView(values) && !Array.isArray(values))
    throw new TypeError(`${where}: ${name} must be a typed array or an array of integers`);
  for (let i = 0; i < values.length; i++) integer(values[i], `${name}[${i}]`, where);
  return Int32Array.from(values);
}

export function shapeOption(options, where) {
  checkKeys(options, ['shape'], where);
  return options.shape;
}

