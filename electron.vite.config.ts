import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

const root = import.meta.dirname

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
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves the renderer unminified by default; it is also served to browsers.
      minify: true,
      rolldownOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
})
