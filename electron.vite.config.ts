import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

/**
 * The dev server injects an inline script (React refresh), which the production CSP in index.html
 * forbids. In dev only, allow inline scripts; builds keep the strict policy.
 */
function devCsp(): Plugin {
  return {
    name: 'db-taxi-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
  }
}

// Three processes, three builds: main (Node + Electron), preload (one CommonJS file, sandboxed),
// renderer (plain web build, also served by `db-taxi serve`). The CLI is bundled separately by
// scripts/build-cli.mjs so that it never pulls in Electron.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // ESM only: bundled into the CommonJS main bundle instead of required at run time.
      externalizeDeps: { exclude: ['electron-store'] },
      rollupOptions: { input: { index: resolve(__dirname, 'src/main/desktop/main.ts') } }
    }
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      // Also served over HTTP by `db-taxi serve`: ship it small.
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    },
    plugins: [react(), devCsp()]
  }
})
