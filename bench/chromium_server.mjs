// The Chromium side of the benchmarks (chromium.mjs, threads_alone.mjs): a server for web/ and
// bench/ on 127.0.0.1, cross-origin isolated (so performance.now() has 5 µs resolution and threads
// are possible), with one page of the caller's at /, and Debian's Chromium, headless.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { chromium } from 'playwright-core';

/** Serves /web/, /bench/ and `page` (HTML) at /: { server, url }. */
export function startServer(page) {
  const options = {
    dev: true,
    setHeaders(res) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    },
  };
  const roots = {
    '/web/': sirv(fileURLToPath(new URL('../web', import.meta.url)), options),
    '/bench/': sirv(fileURLToPath(new URL('.', import.meta.url)), options),
  };
  const server = http.createServer((req, res) => {
    const notFound = () => {
      res.statusCode = 404;
      res.end('not found');
    };
    if (req.url === '/favicon.ico') {
      res.statusCode = 204;
      return res.end();
    }
    const path = req.url.split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      return res.end(page);
    }
    for (const [prefix, serve] of Object.entries(roots)) {
      if (req.url.startsWith(prefix)) {
        req.url = req.url.slice(prefix.length - 1);
        return serve(req, res, notFound);
      }
    }
    return notFound();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

/** Debian's Chromium (or CHROMIUM_PATH), headless. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // tests/browser/browser.mjs's flags: root user, and no traffic to hosts this network refuses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}
