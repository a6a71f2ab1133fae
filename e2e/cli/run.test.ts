// `sallyport run` as users run it: a real gateway process, a real child (a tiny HTTP server reading
// PORT), requests through the gateway, the services list, exit codes and signals.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import WebSocket from 'ws'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { eventually, tempDir } from '../gateway/helpers.ts'
import { cliCommand, type RunningCli, startCli } from './run-cli.ts'

const SERVER = `import { createServer } from 'node:http'
const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ path: req.url, host: req.headers.host, pid: process.pid, name: process.env.NAME }))
})
server.listen(Number(process.env.PORT), process.env.HOST, () => {
  if (process.env.EXIT_CODE) setTimeout(() => process.exit(Number(process.env.EXIT_CODE)), 300)
})
// Says it was told, then dies of the signal as an unhandled SIGTERM would.
process.once('SIGTERM', () => {
  console.log('server got SIGTERM')
  process.kill(process.pid, 'SIGTERM')
})
`

interface RunProcess {
  readonly child: ChildProcess
  output(): string
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  readonly exit: Promise<number | null>
}

/** Every `sallyport run` a test started, stopped at the end even when the test failed halfway. */
const started: ChildProcess[] = []

function run(args: string[], cwd: string, env: Record<string, string> = {}): RunProcess {
  const [file, argv] = cliCommand(['run', ...args])
  const child = spawn(file, argv, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    child,
    output: () => out,
    exit,
    async waitFor(pattern, timeoutMs = 20_000) {
      let found: RegExpExecArray | null = null
      await eventually(() => {
        found = pattern.exec(out)
        return found !== null || child.exitCode !== null
      }, timeoutMs).catch(() => {})
      if (!found) throw new Error(`no ${pattern} in:\n${out}`)
      return found
    },
  }
}

type ServiceView = { name: string; metadata: Record<string, string>; port: number }

async function services(url: string): Promise<ServiceView[]> {
  return (await (await fetch(`${url}/gateway/api/discovery/services`)).json()) as ServiceView[]
}

const dir = tempDir('sallyport-run-')
writeFileSync(join(dir, 'server.mjs'), SERVER)
let gateway: RunningCli

before(async () => {
  gateway = await startCli(['--port', '0', '--no-discovery', '--data-dir', join(dir, 'data')])
})
after(async () => {
  // SIGTERM first: `sallyport run` passes it on to its server, which SIGKILL would leave behind.
  for (const child of started.filter((c) => c.exitCode === null)) {
    child.kill('SIGTERM')
    await eventually(() => child.exitCode !== null || child.signalCode !== null, 5000).catch(() =>
      child.kill('SIGKILL'),
    )
  }
  await gateway?.stop()
})

/** GET with a Host header of our choosing (fetch may not set one), as a browser resolving *.localhost sends it. */
function getWithHost(url: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => {
        body += d.toString()
      })
      res.on('end', () => resolve(body))
    })
      .on('error', reject)
      .end()
  })
}

describe('sallyport run', () => {
  test('routes /demo/ and demo.localhost to the child, lists it with its PID, forwards SIGTERM, deregisters and returns 128+15', async () => {
    const r = run(['--gateway', gateway.url, '--name', 'demo', '--', 'node', 'server.mjs'], dir)
    const line = await r.waitFor(
      /demo → (\S+)\/demo\/ and http:\/\/demo\.localhost:(\d+)\/ \(port (\d+), PID (\d+)\)/,
    )
    const pid = Number(line[4])
    assert.equal(line[1], gateway.url)

    const byPath = await fetch(`${gateway.url}/demo/hello?x=1`)
    assert.equal(byPath.status, 200)
    const body = (await byPath.json()) as { path: string; pid: number }
    assert.deepEqual([body.path, body.pid], ['/hello?x=1', pid])
    // <name>.localhost: the same server, path untouched (a client resolving demo.localhost to loopback sends this).
    const { port } = new URL(gateway.url)
    const byHost = JSON.parse(await getWithHost(`${gateway.url}/hello`, `demo.localhost:${port}`))
    assert.deepEqual([byHost.path, byHost.pid], ['/hello', pid])

    const listed = (await services(gateway.url)).find((s) => s.name === 'demo')
    assert.equal(listed?.metadata['run.by'], 'sallyport')
    assert.equal(listed?.metadata['run.pid'], String(pid))
    assert.equal(listed?.metadata['run.command'], 'node server.mjs')
    assert.equal(listed?.port, Number(line[3]))

    r.child.kill('SIGTERM')
    assert.equal(await r.exit, 143)
    assert.match(r.output(), /server got SIGTERM/)
    assert.match(r.output(), /demo exited \(code 143\): deregistered/)
    assert.equal(
      (await services(gateway.url)).find((s) => s.name === 'demo'),
      undefined,
    )
    assert.equal((await fetch(`${gateway.url}/demo/hello`)).status, 404)
  })

  test("the child's own exit code is returned and its registration goes with it", async () => {
    const r = run(['--gateway', gateway.url, '--name', 'quits', '--', 'node', 'server.mjs'], dir, {
      EXIT_CODE: '3',
    })
    assert.equal(await r.exit, 3)
    assert.match(r.output(), /quits → /)
    assert.match(r.output(), /quits exited \(code 3\): deregistered/)
    assert.equal(
      (await services(gateway.url)).find((s) => s.name === 'quits'),
      undefined,
    )
  })

  test("a name another live run or another service holds is refused, a dead run's is taken over; a missing command exits 127", async () => {
    const first = run(['--gateway', gateway.url, '--name', 'taken', '--', 'node', 'server.mjs'], dir)
    const [, , pid] = await first.waitFor(/taken → \S+ and \S+ \(port (\d+), PID (\d+)\)/)
    const second = run(['--gateway', gateway.url, '--name', 'taken', '--', 'node', 'server.mjs'], dir)
    assert.equal(await second.exit, 1)
    assert.match(
      second.output(),
      new RegExp(`taken is already run by sallyport \\(PID ${pid}, node server.mjs\\): pass another --name`),
    )
    first.child.kill('SIGINT')
    assert.equal(await first.exit, 130)

    // Another service of that name (pushed, or found over mDNS) is never joined by a run.
    const register = (body: unknown) =>
      fetch(`${gateway.url}/gateway/api/discovery/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    assert.equal((await register({ service_name: 'legacy', address: '127.0.0.1', port: 1 })).status, 200)
    const clash = run(['--gateway', gateway.url, '--name', 'legacy', '--', 'node', 'server.mjs'], dir)
    assert.equal(await clash.exit, 1)
    assert.match(clash.output(), /legacy is already registered \(push, 127\.0\.0\.1:1\): pass another --name/)

    // What a run killed with SIGKILL left behind (its PID gone) is taken over.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid
    const stale = { 'run.by': 'sallyport', 'run.pid': String(deadPid), 'run.command': 'old' }
    await register({
      service_name: 'stale',
      service_id: 'run-stale',
      address: '127.0.0.1',
      port: 1,
      metadata: stale,
    })
    const again = run(['--gateway', gateway.url, '--name', 'stale', '--', 'node', 'server.mjs'], dir)
    const [, , newPid] = await again.waitFor(/stale → \S+ and \S+ \(port (\d+), PID (\d+)\)/)
    const taken = (await services(gateway.url)).find((s) => s.name === 'stale')
    assert.equal(taken?.metadata['run.pid'], newPid)
    assert.equal((await fetch(`${gateway.url}/stale/`)).status, 200)
    again.child.kill('SIGTERM')
    assert.equal(await again.exit, 143)

    const missing = run(['--gateway', gateway.url, '--name', 'nope', '--', 'no-such-command-xyz'], dir)
    assert.equal(await missing.exit, 127)
    assert.match(missing.output(), /nope: cannot start "no-such-command-xyz": command not found/)
  })

  // The repository's own Vite (a dev dependency of electron-vite): a real framework that ignores PORT.
  const vite = resolve(import.meta.dirname, '../../node_modules/.bin/vite')
  test('a real Vite dev server gets --port/--strictPort/--host and answers through the gateway', {
    skip: !existsSync(vite) && 'no vite in node_modules',
  }, async () => {
    const app = join(dir, 'vite-app')
    mkdirSync(app)
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>vite through sallyport</title>')
    const r = run(['--gateway', gateway.url, '--', vite], app)
    const [, port] = await r.waitFor(
      /vite-app: Vite, which ignores PORT: added --port (\d+) --strictPort --host 127\.0\.0\.1/,
    )
    await r.waitFor(new RegExp(`vite-app → \\S+ and \\S+ \\(port ${port}, PID \\d+\\)`))
    const page = await fetch(`${gateway.url}/vite-app/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<title>vite through sallyport<\/title>/)
    // Hot reload: Vite's client opens its WebSocket to the page's own host, here vite-app.localhost.
    const host = `vite-app.localhost:${new URL(gateway.url).port}`
    const client = await getWithHost(`${gateway.url}/@vite/client`, host)
    const token = /const wsToken = "([^"]+)"/.exec(client)?.[1]
    assert.ok(token, 'the Vite client names its WebSocket token')
    const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/?token=${token}`, 'vite-hmr', {
      headers: { host },
    })
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (m) => resolve(String(m)))
      ws.once('error', reject)
    })
    ws.close()
    assert.deepEqual(JSON.parse(first), { type: 'connected' })
    r.child.kill('SIGINT')
    assert.notEqual(await r.exit, 0)
    assert.match(r.output(), /vite-app exited \(code \d+\): deregistered/)
  })

  test('a wrong command line exits 2 with one line saying what to give', async () => {
    const none = run(['--gateway', gateway.url], dir)
    assert.equal(await none.exit, 2)
    assert.match(none.output(), /give the command to run \(sallyport run -- npm run dev\), or --all/)
    const badUrl = run(['--gateway', 'localhost:8080', 'node', 'server.mjs'], dir)
    assert.equal(await badUrl.exit, 2)
    assert.match(
      badUrl.output(),
      /--gateway must be an http\(s\) URL such as http:\/\/127\.0\.0\.1:8080, not localhost:8080/,
    )
  })

  test('--no-start without a gateway says exactly how to start one', async () => {
    const r = run(
      [
        '--gateway',
        'http://127.0.0.1:21612',
        '--no-start',
        '--data-dir',
        join(dir, 'd2'),
        'node',
        'server.mjs',
      ],
      dir,
    )
    assert.equal(await r.exit, 1)
    assert.match(
      r.output(),
      new RegExp(
        `no Sallyport gateway answers at http://127.0.0.1:21612\\. Start one in another terminal: npx sallyport --host 127.0.0.1 --port 21612 --data-dir ${join(dir, 'd2')}`,
      ),
    )
  })

  test('without a gateway it starts one in the background with the same data dir, and says so', async () => {
    const dataDir = join(dir, 'bg')
    const r = run(
      [
        '--gateway',
        'http://127.0.0.1:21613',
        '--data-dir',
        dataDir,
        '--name',
        'solo',
        '--',
        'node',
        'server.mjs',
      ],
      dir,
    )
    const [, gatewayPid] = await r.waitFor(
      /started one in the background \(PID (\d+), log (\S+), --no-discovery\)/,
    )
    try {
      await r.waitFor(/solo → /)
      const res = await fetch('http://127.0.0.1:21613/solo/')
      assert.equal(res.status, 200)
      assert.match(
        readFileSync(join(dataDir, 'gateway.log'), 'utf8'),
        /listening on http:\/\/127\.0\.0\.1:21613/,
      )
      r.child.kill('SIGTERM')
      assert.equal(await r.exit, 143)
      // The gateway outlives the run, with the service deregistered.
      assert.deepEqual(await services('http://127.0.0.1:21613'), [])
    } finally {
      process.kill(Number(gatewayPid), 'SIGTERM')
    }
  })

  test('--all runs every workspace package with a dev script under its own name; Ctrl-C stops them all', async () => {
    const mono = join(dir, 'mono')
    const pkg = (sub: string, json: unknown) => {
      mkdirSync(join(mono, sub), { recursive: true })
      writeFileSync(join(mono, sub, 'package.json'), JSON.stringify(json))
    }
    pkg('.', { name: 'mono', private: true, workspaces: ['apps/*'] })
    pkg('apps/api', { name: '@mono/api', scripts: { dev: 'NAME=api node ../../../server.mjs' } })
    pkg('apps/site', {
      name: '@mono/site',
      sallyport: { name: 'web' },
      scripts: { dev: 'NAME=web node ../../../server.mjs' },
    })
    pkg('apps/lib', { name: '@mono/lib', scripts: { build: 'true' } })
    const r = run(['--gateway', gateway.url, '--all'], mono)
    await r.waitFor(/api → /)
    await r.waitFor(/web → /)
    assert.deepEqual(((await (await fetch(`${gateway.url}/api/`)).json()) as { name: string }).name, 'api')
    assert.deepEqual(((await (await fetch(`${gateway.url}/web/`)).json()) as { name: string }).name, 'web')
    assert.match(r.output(), /^api │ /m, "each package's output is prefixed with its name")
    assert.doesNotMatch(r.output(), /lib/)
    r.child.kill('SIGINT')
    assert.notEqual(await r.exit, 0)
    assert.match(r.output(), /api exited \(code \d+\): deregistered/)
    assert.match(r.output(), /web exited \(code \d+\): deregistered/)
    const left = (await services(gateway.url)).map((s) => s.name)
    assert.deepEqual(
      left.filter((n) => n === 'api' || n === 'web'),
      [],
    )
  })
})
