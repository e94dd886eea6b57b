// Serves web/ (the demo page and the npm package's files) on http://127.0.0.1:8080.
// Used by `npm start` and, with port 0, by the browser tests.
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sirv from 'sirv';

const webRoot = fileURLToPath(new URL('../web', import.meta.url));

export function startServer({ host = '127.0.0.1', port = 8080 } = {}) {
  const serveStatic = sirv(webRoot, {
    dev: true, // no caching: a rebuilt .wasm is picked up on reload
    setHeaders(res) {
      // Cross-origin isolation, so the page may use SharedArrayBuffer (wasm threads) later.
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    },
  });
  const server = http.createServer((req, res) =>
    serveStatic(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    }));
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
