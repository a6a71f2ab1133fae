// Preloaded into a CLI under test (NODE_OPTIONS=--require): says at exit whether Node's bundled undici
// (global fetch and WebSocket, with http2 and zlib behind them) was ever loaded. The gateway never uses
// it, and loading it costs ~4 MB of idle RSS: a value import from 'node:http' is enough to load it.
process.on('exit', () => {
  const loaded = process.moduleLoadList.includes('NativeModule internal/deps/undici/undici')
  process.stderr.write(`bundled undici loaded: ${loaded ? 'yes' : 'no'}\n`)
})
