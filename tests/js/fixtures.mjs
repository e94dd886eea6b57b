// The PyTorch-made quantizer fixtures (tools/make_fixtures.py), for the JS and browser tests.
import { readFileSync } from 'node:fs';

export const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/quantizer_cases.json', import.meta.url), 'utf8'),
);

export const acceptedCases = fixtures.cases.filter((c) => !('error' in c));
export const refusedCases = fixtures.cases.filter((c) => 'error' in c);

export function label(c) {
  return `${c.input} ${c.granularity}${c.axis !== null ? ` axis ${c.axis}` : ''} ` +
    `${c.symmetric ? 'symmetric' : 'affine'} ${c.dtype}${c.reduce_range ? ' reduce_range' : ''} range ${c.range}`;
}

export function optionsFor(c) {
  const shape = fixtures.inputs[c.input].shape;
  return {
    shape,
    perChannel: c.granularity === 'per_channel',
    axis: c.axis ?? 0,
    dtype: c.dtype,
    reduceRange: c.reduce_range,
    range: c.range,
  };
}

// Float32 bit patterns, so equality is bit-exact and tells -0 from +0.
export function float32Bits(values) {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}
