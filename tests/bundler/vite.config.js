// Builds tests/bundler/app with Vite, resolving 'qlinear' through the package's own exports.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./app', import.meta.url)),
  logLevel: 'warn',
  build: { emptyOutDir: true },
});
