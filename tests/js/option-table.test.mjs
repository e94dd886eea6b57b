// The option table is the one definition of every option: the package's checks and defaults come
// from it, the build writes the TypeScript unions from it, and this test fails when the
// hand-written options interfaces of qlinear.d.ts (and types/*.d.ts) disagree with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

import { init, optionTable, Linear, QuantLinear, Model, MinMaxObserver, getSymmetricQParams } from '../../web/package/qlinear.js';

await init();
// The package's types: qlinear.d.ts and the files of types/ it re-exports.
const typesDir = new URL('../../web/package/types/', import.meta.url);
const dts = [new URL('../../web/package/qlinear.d.ts', import.meta.url),
  ...readdirSync(typesDir).filter((f) => f.endsWith('.d.ts')).map((f) => new URL(f, typesDir))]
  .map((url) => readFileSync(url, 'utf8')).join('\n');
const generated = readFileSync(new URL('../../web/package/dist/options.d.ts', import.meta.url), 'utf8');
// Options the JS layer adds to a group: they are not the core's (a shape, a spec's JSON).
const JS_ONLY = { QParamsOptions: ['shape'], LoadOptions: ['spec'] };

// The members of `export interface Name [extends Base] { ... }`, each with its type text.
function interfaceMembers(name) {
  const pick = dts.match(new RegExp(`export type ${name} = Pick<(\\w+), ([^>]+)>;`));
  if (pick) {
    const from = interfaceMembers(pick[1]);
    return new Map([...pick[2].matchAll(/'(\w+)'/g)].map(([, key]) => [key, from.get(key)]));
  }
  const m = dts.match(new RegExp(`export interface ${name}(?: extends (\\w+))? \\{([\\s\\S]*?)\\n\\}`));
  assert.ok(m, `qlinear.d.ts declares ${name}`);
  const members = new Map(m[1] ? interfaceMembers(m[1]) : []);
  for (const [, key, type] of m[2].matchAll(/^ {2}(\w+)\?: ([^;]+);/gm)) members.set(key, type);
  return members;
}

test("qlinear.d.ts's options interfaces have exactly the option table's options, with its types", () => {
  const { groups, enums } = optionTable();
  assert.deepEqual(groups.map((g) => g.name),
    ['QParamsOptions', 'MinMaxObserverOptions', 'PerChannelMinMaxObserverOptions', 'HistogramObserverOptions', 'QuantizeOptions', 'ConvertOptions',
      'PrepareOptions', 'LoadOptions', 'CheckpointOptions']);
  for (const group of groups) {
    const members = interfaceMembers(group.name);
    assert.deepEqual([...members.keys()].sort(), [...group.options.map((o) => o.name), ...(JS_ONLY[group.name] ?? [])].sort(),
      `${group.name}: the .d.ts and the option table name the same options`);
    for (const option of group.options) {
      const type = members.get(option.name);
      if (option.type === 'boolean') assert.equal(type, 'boolean', `${group.name}.${option.name}`);
      else if (option.type === 'integer' || option.type === 'number') assert.equal(type, 'number', `${group.name}.${option.name}`);
      else if (type === option.type) assert.ok(enums.some((e) => e.type === type));
      else {
        // A union written out: a subset of the enum's names (e.g. the per-tensor qschemes).
        const literals = [...type.matchAll(/'([^']+)'/g)].map(([, v]) => v);
        assert.ok(literals.length > 0, `${group.name}.${option.name} is ${option.type} or a union of its names, not ${type}`);
        const names = enums.find((e) => e.type === option.type).names;
        for (const v of literals) assert.ok(names.includes(v), `${group.name}.${option.name}: '${v}' is a ${option.type}`);
      }
    }
  }
});

test('the generated unions are the option table\'s (a stale dist/options.d.ts fails here)', () => {
  for (const { type, names } of optionTable().enums)
    assert.ok(generated.includes(`export type ${type} = ${names.map((n) => `'${n}'`).join(' | ')};`), type);
  assert.doesNotMatch(dts, /export type (QuantDtype|QScheme|RangeVariant|ActivationName|ForwardMode|ActivationScheme|ActivationObserverName|QConfigBackend|CheckpointFormat|WeightLayout) =/,
    'qlinear.d.ts writes no union of its own');
});

test('the package checks options against the table and fills its defaults', () => {
  const table = optionTable();
  const option = (group, name) => table.groups.find((g) => g.name === group).options.find((o) => o.name === name);
  // MinMaxObserver's defaults are PyTorch's (quint8, affine), QParamsOptions' qint8.
  const observer = new MinMaxObserver();
  observer.forward([1, -2, 3]);
  assert.equal(observer.calculateQParams().dtype, option('MinMaxObserverOptions', 'dtype').default);
  assert.equal(observer.calculateQParams().scheme, option('MinMaxObserverOptions', 'qscheme').default);
  observer.dispose();
  assert.equal(getSymmetricQParams([1, -2]).dtype, option('QParamsOptions', 'dtype').default);
  // The mode decides the range when it is not given.
  const linear = new Linear({ inFeatures: 3, outFeatures: 2, weight: [0.5, -1, 0.25, 2, -0.75, 1.5] });
  const llm = QuantLinear.fromLinear(linear, { mode: 'llm-int8' });
  assert.equal(llm.qparams.qmin, -127);
  assert.equal(llm.outlierThreshold, option('QuantizeOptions', 'outlierThreshold').default);
  const fallback = QuantLinear.fromLinear(linear);
  assert.equal(fallback.qparams.qmin, -128);
  assert.equal(fallback.mode, option('QuantizeOptions', 'mode').default);
  // Every name the table lists is accepted; anything else is a TypeError listing them.
  for (const mode of table.enums.find((e) => e.type === 'ForwardMode').names) {
    if (mode === 'static') continue; // needs calibration: its own tests
    QuantLinear.fromLinear(linear, { mode }).dispose();
  }
  assert.throws(() => QuantLinear.fromLinear(linear, { mode: 'w4a16' }),
    (e) => e instanceof TypeError && /mode must be 'weight-only' or 'dynamic' or 'llm-int8' or 'static'/.test(e.message));
  for (const l of [linear, llm, fallback]) l.dispose();
});

test('forwardEachLayer and PreparedModel.forward go through the heap buffer and agree with forward', () => {
  const model = new Model([
    { name: 'a', inFeatures: 4, outFeatures: 9, weight: Float32Array.from({ length: 36 }, (_, i) => (i % 5) / 7 - 0.3), activation: 'relu' },
    { name: 'b', inFeatures: 9, outFeatures: 2, weight: Float32Array.from({ length: 18 }, (_, i) => (i % 3) / 4 - 0.2) },
  ]);
  const x = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 2);
  const each = model.forwardEachLayer(x, 3);
  assert.deepEqual(each.map((y) => y.length), [27, 6]);
  assert.deepEqual(each[1], model.forward(x, 3));
  const prepared = model.prepare();
  assert.deepEqual(prepared.forward(x, 3), model.forward(x, 3));
  assert.equal(prepared.calibrationRows, 3);
  prepared.dispose();
  model.dispose();
});

test('the option table cannot be changed by a caller, and a choice outside an option\'s part of its enum is a TypeError', () => {
  const table = optionTable();
  assert.throws(() => table.enums[0].names.push('int4'), TypeError);
  assert.throws(() => { table.groups[0].options[0].default = 'changed'; }, TypeError);
  const model = new Model([{ name: 'a', inFeatures: 2, outFeatures: 1, weight: [1, 2] }]);
  assert.throws(() => model.prepare({ qscheme: 'per_channel_affine' }),
    (e) => e instanceof TypeError && /qscheme must be 'per_tensor_affine' or 'per_tensor_symmetric'/.test(e.message));
  model.dispose();
});
