import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'

const root = import.meta.dirname

/** The five Swagger UI files the API explorer loads (and swagger-ui's licence), copied into
 * out/renderer/swagger: the package ships 1.8 MB of them instead of depending on swagger-ui-dist (12 MB of
 * bundles and source maps, and a postinstall analytics hook through @scarf/scarf). */
function swaggerAssets(): Plugin {
  const files = [
    'swagger-ui-bundle.js',
    'swagger-ui-standalone-preset.js',
    'swagger-ui.css',
    'favicon-32x32.png',
    'LICENSE',
    'NOTICE',
  ]
  return {
    name: 'sallyport-swagger-assets',
    writeBundle() {
      const from = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
      const to = resolve(root, 'out/renderer/swagger')
      mkdirSync(to, { recursive: true })
      for (const f of files) copyFileSync(join(from, f), join(to, f))
    },
  }
}

export default defineConfig({
  main: {
    build: {
      // Bundled rather than resolved from node_modules at start: typebox alone is ~700 ESM files, and
      // resolving them cost ~160 ms of every start (the proxy's path to its first response needs it).
      externalizeDeps: { exclude: ['typebox', 'js-yaml', 'commander'] },
      // Two entries share src/gateway as a chunk: the Electron main process and the headless CLI. The
      // OpenAPI worker is a third: out/main/openapi-worker.js, found by openapi/worker-client.ts.
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          cli: resolve(root, 'src/gateway/cli.ts'),
          'openapi-worker': resolve(root, 'src/gateway/openapi/openapi-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // CommonJS, so the window can run the preload sandboxed.
      rolldownOptions: {
        input: { index: resolve(root, 'src/main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    // Relative asset URLs: the same build works under http://host/gateway/ and file://.
    base: './',
    plugins: [react(), swaggerAssets()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves the renderer unminified by default; it is also served to browsers.
      minify: true,
      rolldownOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
})
