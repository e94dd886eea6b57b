// `npm pack` makes a tarball that a fresh folder can install and use: the library by name and
// the qlinear command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack -> npm install in an empty folder -> import and run the CLI', () => {
  const packDir = mkdtempSync(join(tmpdir(), 'qlinear-pack-'));
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], root));
  const files = packed.files.map((f) => f.path);
  for (const expected of ['web/package/qlinear.js', 'web/package/qlinear.d.ts', 'web/package/types/models.d.ts', 'web/package/lib/loader.js', 'web/package/dist/qlinear_wasm.mjs',
    'web/package/dist/qlinear_wasm.wasm', 'web/package/dist/qlinear_wasm_relaxed.wasm', 'web/package/dist/options.d.ts',
    'web/package/dist/threaded/qlinear_wasm_threaded.mjs', 'web/package/dist/threaded/qlinear_wasm_threaded.wasm',
    'web/package/dist/threaded/qlinear_wasm_threaded.worker.js', 'web/package/dist/threaded/package.json', 'bin/qlinear.mjs', 'cli/commands.mjs', 'package.json', 'README.md'])
    assert.ok(files.includes(expected), `${expected} is in the tarball`);
  assert.ok(!files.some((f) => /^(src|tests|bindings|build|node_modules)\//.test(f)), `only the package: ${files}`);

  const app = mkdtempSync(join(tmpdir(), 'qlinear-app-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(packDir, packed.filename)], app);
  writeFileSync(join(app, 'use.js'), `
    import { init, getSymmetricQParams, quantizeTensor, capabilities } from 'qlinear';
    await init({ threads: Number(process.argv[2]) });
    const x = [3.0, -5.5, 0.0, 6.0, -6.0, 2.5];
    const { build } = capabilities();
    console.log(JSON.stringify({ q: Array.from(quantizeTensor(x, getSymmetricQParams(x))), simd: build.simd128, threads: build.threadCount }));
  `);
  // One thread, and the threaded module (its worker script run by Node from the installed package).
  for (const threads of [1, 2])
    assert.deepEqual(JSON.parse(run('node', ['use.js', String(threads)], app)), { q: [64, -117, 0, 127, -128, 53], simd: true, threads });
  const inspected = run('npx', ['--no-install', 'qlinear', 'inspect', join(root, 'tests/fixtures/safetensors/sequential_f32.safetensors')], app);
  assert.match(inspected, /0\.weight\s+F32\s+\[32, 16\]/);
});
