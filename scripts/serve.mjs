// Serves the demo page (web/demo/) at / and the npm package (web/package/) at /package/, the way
// a user's own site would serve their page and the package, on http://127.0.0.1:8080.
// Used by `npm start` and, with port 0, by the browser tests.
import { createReadStream, existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sirv from 'sirv';

const demoRoot = fileURLToPath(new URL('../web/demo', import.meta.url));
const packageRoot = fileURLToPath(new URL('../web/package', import.meta.url));
const PACKAGE_PREFIX = '/package/';
// The Fashion-MNIST test set from Debian's dataset-fashion-mnist package, for the demo's
// accuracy: served as plain application/gzip bytes (a static server would mark .gz files as
// Content-Encoding: gzip, and the browser would unpack them before the page could).
const DATA_PREFIX = '/data/fashion-mnist/';
const DATA_FILES = new Set(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
const dataRoot = '/usr/share/datasets/fashion-mnist';

function serveData(name, res, notFound) {
  const path = `${dataRoot}/${name}`;
  if (!DATA_FILES.has(name) || !existsSync(path)) return notFound(res);
  res.setHeader('Content-Type', 'application/gzip');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  createReadStream(path).on('error', () => notFound(res)).pipe(res);
}

export function startServer({ host = '127.0.0.1', port = 8080 } = {}) {
  const options = {
    dev: true, // no caching: a rebuilt .wasm is picked up on reload
    setHeaders(res) {
      // Cross-origin isolation, so the page may use SharedArrayBuffer (wasm threads) later.
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    },
  };
  const serveDemo = sirv(demoRoot, options);
  const servePackage = sirv(packageRoot, options);
  const notFound = (res) => {
    res.statusCode = 404;
    res.end('not found');
  };
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname.startsWith(DATA_PREFIX)) return serveData(pathname.slice(DATA_PREFIX.length), res, notFound);
    if (pathname.startsWith(PACKAGE_PREFIX)) {
      req.url = req.url.slice(PACKAGE_PREFIX.length - 1);
      return servePackage(req, res, () => notFound(res));
    }
    return serveDemo(req, res, () => notFound(res));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actualPort } = server.address();
      resolve({ server, url: `http://${host}:${actualPort}/` });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8080);
  try {
    const { url } = await startServer({ port });
    console.log(`qlinear demo page: ${url}  (Ctrl+C to stop)`);
  } catch (e) {
    console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use: try PORT=8081 npm start` : e.message);
    process.exit(1);
  }
}
