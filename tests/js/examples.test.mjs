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

test("examples/default_qconfig.mjs prints the seed's fbgemm int8 weight, scale and zero point", () => {
  const out = execFileSync(process.execPath, [new URL('../../examples/default_qconfig.mjs', import.meta.url).pathname], { encoding: 'utf8' });
  // PyTorch 1.13 prints the same (tests/fixtures/default_qconfig.json, backend fbgemm, the seed's Linear(6, 1)).
  assert.match(out, /int8 weight \(int_repr\): \[64, -117, 0, 127, -128, 53\]/);
  assert.match(out, /dequantized: +\[3\.0118, -5\.5059, 0\.0000, 5\.9765, -6\.0235, 2\.4941\]/);
  assert.match(out, /weight scale: \[0\.047059\], zero point: \[0\] \(per_channel_symmetric\)/);
  assert.match(out, /HistogramObserver, reduceRange true/);
});
