// `npm start`: build once if needed, then run the gateway with its dashboard on the embedded default.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (
  !existsSync('out/main/cli.js') ||
  !existsSync('out/renderer/index.html') ||
  process.env.SALLYPORT_REBUILD
) {
  const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
await import('../bin/sallyport.js')
