// The README's examples run and print what the README says they print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('examples/four_layer_model.mjs prints fp32 and int8 outputs and their error', () => {
  const out = execFileSync(process.execPath, [new URL('../../examples/four_layer_model.mjs', import.meta.url).pathname], { encoding: 'utf8' });
  assert.match(out, /fp32 output, row 2: \[-0\.9949, -0\.2867/);
  assert.match(out, /excluding \[layer1, layer5\]/);
  const sqnr = [...out.matchAll(/SQNR ([\d.]+) dB/g)].map((m) => Number(m[1]));
  assert.equal(sqnr.length, 2);
  for (const s of sqnr) assert.ok(s > 60, `SQNR ${s} dB`);
});
