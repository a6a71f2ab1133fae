// `npm start`: build once if needed, then run the gateway with its dashboard on the embedded default.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { binNodeFlags } from './bin-flags.mjs'

if (
  !existsSync('out/main/cli.js') ||
  !existsSync('out/renderer/index.html') ||
  process.env.SALLYPORT_REBUILD
) {
  const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
// The gateway runs in a child Node started with the bin's own V8 flags (they cannot be set from inside).
// Ctrl-C reaches both of us through the terminal; a SIGTERM sent to this process is passed on.
const gateway = spawn(process.execPath, [...binNodeFlags(), 'bin/sallyport.js', ...process.argv.slice(2)], {
  stdio: 'inherit',
})
process.on('SIGINT', () => {})
process.on('SIGTERM', () => gateway.kill('SIGTERM'))
gateway.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
