// The page half of the checkpoint benchmark: the checkpoint page (web/demo/checkpoint.html) in
// headless Chromium (a profile on disk) opens a model folder and quantizes it, writing either
//   - 'opfs': into the origin-private file system through a worker's sync access handle, or
//   - 'picker': through the save picker's stream (createWritable(), paced by the page), the picker
//     answered with a private-storage file since a headless browser shows no dialog.
// Measures the wall time from the click to the page's "done", the peak of the browser's memory
// (the sum of every Chromium process's proportional set size, PSS, sampled every 100 ms: RSS
// would count the shared pages once per process) and the peak wasm heap the page reports.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openBrowser } from '../../tests/browser/browser.mjs';

// Σ Pss (KiB) of the processes whose command is Chromium's.
function chromiumPssKiB() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!/chrom/.test(readFileSync(`/proc/${pid}/comm`, 'utf8'))) continue;
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (pss) total += Number(pss[1]);
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/** One run per target: [{ target, wall, pssMiB, heapMiB, bytes }]. */
export async function quantizeInPage(folder, { format = 'bitsandbytes', targets = ['opfs', 'picker'] } = {}) {
  // A profile on disk, so private storage is on disk as in a user's browser.
  const profile = mkdtempSync(join(tmpdir(), 'qlinear-chromium-profile-'));
  const session = await openBrowser({ userDataDir: profile });
  const results = [];
  try {
    const page = await session.browser.newPage();
    await page.goto(new URL('checkpoint.html', session.url).href);
    await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
    await page.setInputFiles('#folder-input', folder);
    await page.waitForSelector('#plan-panel:not([hidden])', { timeout: 60_000 });
    for (const target of targets) {
      await page.evaluate(async (picker) => {
        const root = await navigator.storage.getDirectory();
        for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
        window.showSaveFilePicker = picker
          ? async ({ suggestedName }) => root.getFileHandle(suggestedName, { create: true })
          : undefined;
      }, target === 'picker');
      await page.check(`input[name=format][value=${format}]`);
      const done = Number(await page.evaluate(() => document.body.dataset.done ?? 0));
      let peak = chromiumPssKiB();
      const sampler = setInterval(() => { peak = Math.max(peak, chromiumPssKiB()); }, 100);
      const started = performance.now();
      await page.click('#quantize');
      await page.waitForFunction((n) => Number(document.body.dataset.done ?? 0) > n || !document.querySelector('#write-error').hidden,
        done, { timeout: 1_800_000, polling: 250 });
      const wall = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const error = await page.$eval('#write-error', (el) => (el.hidden ? null : el.textContent));
      if (error) throw new Error(`the page failed (${target}): ${error}`);
      const summary = await page.textContent('#done-summary');
      const bytes = await page.evaluate(async (picker) => {
        const root = await navigator.storage.getDirectory();
        const dir = picker ? root : await root.getDirectoryHandle('qlinear-output');
        return (await (await dir.getFileHandle('model.safetensors')).getFile()).size;
      }, target === 'picker');
      results.push({ target, wall, pssMiB: peak / 1024, heapMiB: Number(/peak wasm heap ([\d.]+) MiB/.exec(summary)?.[1] ?? NaN), bytes });
      await page.evaluate(async () => {
        const root = await navigator.storage.getDirectory();
        for await (const name of root.keys()) await root.removeEntry(name, { recursive: true });
      });
    }
  } finally {
    await session.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return results;
}
