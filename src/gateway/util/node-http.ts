// node:http without its ES module facade. `import { createServer } from 'node:http'` makes Node build
// the facade from every export, and reading the lazy `WebSocket` export loads Node's bundled undici
// with http2, zlib and worker_threads: ~3.5 MB of the idle gateway's RSS for code it never runs
// (BENCHMARKS.md). process.getBuiltinModule hands over the CommonJS module as it is; the types still
// come from 'node:http'.
import type * as NodeHttp from 'node:http'

export const http = process.getBuiltinModule('node:http') as typeof NodeHttp
