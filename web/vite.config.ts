import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The dashboard is served by the API server from web/dist on the same origin (src/server/app.ts),
// so the session cookie and /api paths need no proxy in production. `vite --config web/vite.config.ts`
// proxies /api to a local server for development.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: { '/api': process.env.COVERWATCH_API ?? 'http://127.0.0.1:8080' },
  },
});
