import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The dashboard's own folder: `npm run build` writes web/dist, which `camtel serve` serves at `/`.
const root = fileURLToPath(new URL('.', import.meta.url))
// `npm run web:dev` proxies the API to a running camtel (the demo by default).
const target = process.env.CAMTEL_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  root,
  base: '/',
  // CAMTEL_MAP_TILES / CAMTEL_MAP_ATTRIBUTION at build time: an optional tile server (docs/dashboard.md).
  envPrefix: ['VITE_', 'CAMTEL_MAP_'],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The map outlines are fetched as separate, cached files rather than inlined into the bundle.
    assetsInlineLimit: 4096,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      // /api/v1 only: /api/ also names the dashboard's own sources (web/api/*.ts), which Vite serves.
      '/api/v1': { target, ws: true, changeOrigin: false },
      '/healthz': target,
      '/docs': target,
    },
  },
  preview: { port: 5174 },
})
