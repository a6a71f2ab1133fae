// portless (vercel-labs) as its users run it by default: HTTPS with HTTP/2 (ALPN h2, HTTP/1.1 fallback) and
// a local CA of its own, for the h2 scenario. Same as the shared harness's peers/portless.mjs except for
// TLS: `portless proxy start --port $PORT --foreground --skip-trust` with one static route
// (`bench.localhost` -> 127.0.0.1:$UPSTREAM_PORT) in a private state dir. HOME and the state dir are
// temporary (the CA and leaf certificates it generates go there and are deleted on exit), hosts-file
// syncing is off and --skip-trust keeps the CA out of the OS trust store. Routes by Host/:authority, so
// clients must ask for `bench.localhost` (h2load: https://bench.localhost:$PORT + --connect-to).
// portless also opens an HTTP->HTTPS redirect listener on 127.0.0.1:80 / [::1]:80 when it can bind them
// (it ignores the error when it cannot); nothing in the bench talks to it.
// Env: PORT, UPSTREAM_PORT, PORTLESS_CLI (path to portless/dist/cli.js in the harness's peers install).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const port = String(process.env.PORT)
const upstreamPort = Number(process.env.UPSTREAM_PORT)
const cli = process.env.PORTLESS_CLI
if (!cli || !fs.existsSync(cli)) {
  console.error(`portless-tls: PORTLESS_CLI=${cli} not found (the shared harness's peers are not installed?)`)
  process.exit(2)
}
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'portless-h2-bench-'))
const state = path.join(home, '.portless')
fs.mkdirSync(state, { recursive: true })
fs.writeFileSync(
  path.join(state, 'routes.json'),
  JSON.stringify([{ hostname: 'bench.localhost', port: upstreamPort, pid: 0 }]),
)
const env = { ...process.env, HOME: home, PORTLESS_STATE_DIR: state, PORTLESS_SYNC_HOSTS: '0' }
delete env.PORTLESS_HTTPS
const child = spawn(
  process.execPath,
  [cli, 'proxy', 'start', '--port', port, '--foreground', '--skip-trust'],
  {
    env,
    stdio: 'inherit',
  },
)
const stop = (sig) => child.kill(sig)
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
child.on('exit', (code) => {
  fs.rmSync(home, { recursive: true, force: true })
  process.exit(code ?? 0)
})
