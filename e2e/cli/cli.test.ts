import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { eventually, startUpstream, tempDir } from '../gateway/helpers.ts'
import { built, cliEntry, runCli, startCli } from './run-cli.ts'

const dir = tempDir('sallyport-cli-')

/** Every process below `pid` (Linux /proc), so a test can clean up what an outer process left behind. */
function descendants(pid: number): number[] {
  let children: number[] = []
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number)
  } catch {}
  return children.flatMap((c) => [c, ...descendants(c)])
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {}
}
const write = (name: string, text: string) => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

describe('sallyport CLI', () => {
  test('--version and --help', () => {
    const v = runCli(['--version'])
    assert.equal(v.code, 0)
    assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/)
    const h = runCli(['--help'])
    assert.equal(h.code, 0)
    for (const flag of [
      '--config',
      '--host',
      '--port',
      '--data-dir',
      '--no-discovery',
      '--log-level',
      'validate',
    ])
      assert.ok(h.stdout.includes(flag), flag)
  })

  test('a bad flag: one clear line, exit 2', () => {
    const r = runCli(['--prot', '80'])
    assert.equal(r.code, 2)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, /unknown option '--prot'.*--port/)
    const p = runCli(['--port', 'eighty'])
    assert.equal(p.code, 2)
    assert.match(p.stderr, /port number/)
  })

  test('a bad config names file, line and field; exit 1', () => {
    const file = write(
      'bad.yaml',
      'server:\n  port: 8080\nroutes:\n  - path: /x\n    targets:\n      - url: ftp://nope\n',
    )
    const r = runCli(['--config', file, '--port', '0', '--no-discovery', '--data-dir', dir])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, /bad\.yaml:6: routes\[0\]\.targets\[0\]\.url: must be/)
    const unknown = write('unknown.yaml', 'server:\n  prot: 1\n')
    assert.match(
      runCli(['--config', unknown, '--no-discovery']).stderr,
      /unknown\.yaml:2: server\.prot: unknown field "prot"/,
    )
    const broken = write('broken.yaml', 'routes: [\n')
    assert.match(runCli(['--config', broken, '--no-discovery']).stderr, /broken\.yaml:\d+:\d+: /)
    assert.match(
      runCli(['--config', join(dir, 'missing.yaml'), '--no-discovery']).stderr,
      /missing\.yaml: file not found/,
    )
  })

  test('validate: 0 for a good file, 1 with every problem for a bad one', () => {
    const good = write(
      'good.yaml',
      'routes:\n  - path: /a/*\n    targets: [{ url: "http://127.0.0.1:3000" }]\n',
    )
    const ok = runCli(['validate', good])
    assert.equal(ok.code, 0)
    assert.match(ok.stdout, /valid \(1 route/)
    const bad = write(
      'two-bad.yaml',
      'routes:\n  - path: /a\n    targets: []\n  - path: /gateway/x\n    targets: [{ url: "http://127.0.0.1:3000" }]\n',
    )
    const r = runCli(['validate', bad])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /routes\[0\]\.targets/)
    assert.match(r.stderr, /shadow the gateway's own "\/gateway"/)
  })

  test('hot reload: one line per save says what was applied, what was not and why', async () => {
    const up = await startUpstream('reload')
    const route = (id: string, extra = '') =>
      `  - id: ${id}\n    path: /${id}\n${extra}    targets:\n      - url: ${up.url}\n`
    const file = write('reload-lines.yaml', `routes:\n${route('a')}${route('d')}`)
    const save = (text: string) => {
      writeFileSync(`${file}.tmp`, text)
      renameSync(`${file}.tmp`, file)
    }
    const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', dir, '--config', file])
    const said = (re: RegExp) =>
      eventually(() => re.test(gw.output())).catch(() => assert.fail(`${re} not in:\n${gw.output()}`))
    try {
      save(`routes:\n${route('b')}${route('c')}${route('d', '    stripPrefix: true\n')}`)
      await said(
        /config v2 applied from \S+reload-lines\.yaml: \+2 routes \(b, c\), -1 \(a\), 1 changed \(d\)\n/,
      )
      const applied = `routes:\n${route('b')}${route('c')}${route('d', '    stripPrefix: true\n')}`
      save(`${applied}${route('e', '    timeout: 5 seconds\n')}`)
      await said(
        /reload-lines\.yaml: nothing applied, still serving config v2; not applied: route e: \S+:\d+: routes\[3\]\.timeout: must be milliseconds/,
      )
      assert.equal((await fetch(`${gw.url}/e`)).status, 404)
      save(`${applied}  - id: [\n`)
      await said(/reload-lines\.yaml:\d+:\d+: .*: not applied, still serving config v2\n/)
      assert.doesNotMatch(gw.output(), /valid again/)
      save(applied)
      await said(/reload-lines\.yaml is valid again: config v2 \(unchanged\) serving\n/)
      save(`routes:\n${route('b')}`)
      await said(/config v3 applied from \S+: -2 route\(s\) \(c, d\)\n/)
    } finally {
      assert.equal(await gw.stop('SIGTERM'), 0)
      await up.close()
    }
  })

  test('a taken port: one clear line, exit 1', async () => {
    const blocker = createServer().listen(0, '127.0.0.1')
    await once(blocker, 'listening')
    const port = (blocker.address() as { port: number }).port
    const r = runCli(['--port', String(port), '--no-discovery', '--data-dir', dir])
    blocker.close()
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`))
  })

  test('starts on the embedded default, serves the dashboard, drains and exits 0 on SIGTERM', async () => {
    const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', dir])
    assert.match(gw.output(), /Dashboard: +http:\/\/127\.0\.0\.1:\d+\/gateway\//)
    const dash = await fetch(`${gw.url}/gateway/`)
    assert.equal(dash.status, 200)
    assert.match(dash.headers.get('content-type') ?? '', /text\/html/)
    assert.deepEqual(await (await fetch(`${gw.url}/ready`)).json(), { status: 'ready' })
    assert.deepEqual(await (await fetch(`${gw.url}/gateway/api/routes`)).json(), [])
    assert.equal(await gw.stop('SIGTERM'), 0)
    assert.match(gw.output(), /draining/)
  })

  test('started through `npm exec` (as npx does), SIGTERM to npm drains the gateway too', {
    skip: !built,
  }, async () => {
    // npm forwards the signal to its `sh -c`, which ends without passing it on; the gateway must not be
    // left running as an orphan holding the port.
    const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', dir], {}, { viaNpm: true })
    const tree = descendants(gw.child.pid as number)
    try {
      assert.equal((await fetch(`${gw.url}/live`)).status, 200)
      gw.child.kill('SIGTERM')
      await eventually(
        () => /npm exited: draining in-flight requests…[\s\S]*stopped/.test(gw.output()),
        10_000,
      )
      await assert.rejects(fetch(`${gw.url}/live`), 'the gateway still answers after npm was stopped')
    } finally {
      for (const pid of tree) killQuietly(pid)
    }
  })

  test('server.tls auto: the start lines name the HTTPS URL and the local CA to trust', async () => {
    const config = write('tls.yaml', 'server:\n  tls: auto\nroutes: []\n')
    const tlsDir = join(dir, 'tls-data')
    const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', tlsDir, '--config', config])
    try {
      const port = new URL(gw.url).port
      assert.match(gw.output(), new RegExp(`HTTPS: +https://localhost:${port} `))
      assert.match(
        gw.output(),
        new RegExp(
          `Local CA: +${join(tlsDir, 'tls', 'ca.pem').replaceAll('/', '\\/')} \\(trust it once: sallyport trust\\)`,
        ),
      )
    } finally {
      assert.equal(await gw.stop('SIGTERM'), 0)
    }
  })

  test('headless without discovery: the admin side loads on its first request, history kept', async () => {
    const up = await startUpstream('orders')
    const config = write(
      'on-demand.yaml',
      `routes:\n  - id: orders\n    path: /orders\n    pathType: prefix\n    targets:\n      - url: ${up.url}\n`,
    )
    const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', dir, '--config', config])
    try {
      // Proxied before anything asked for the admin side; the inspector still has it afterwards.
      assert.equal((await fetch(`${gw.url}/orders/1`)).status, 200)
      const seen = (await (await fetch(`${gw.url}/gateway/api/requests`)).json()) as {
        path?: string
        url?: string
      }[]
      assert.equal(seen.length, 1)
      assert.match(JSON.stringify(seen[0]), /\/orders\/1/)
      assert.deepEqual(await (await fetch(`${gw.url}/ready`)).json(), { status: 'ready' })
    } finally {
      assert.equal(await gw.stop('SIGTERM'), 0)
      await up.close()
    }
  })

  test('proxying headless never loads Node’s bundled fetch/WebSocket stack (~4 MB of idle RSS)', async () => {
    const up = await startUpstream('lean')
    const config = write(
      'lean.yaml',
      `routes:\n  - id: lean\n    path: /lean\n    pathType: prefix\n    targets:\n      - url: ${up.url}\n`,
    )
    const preload = fileURLToPath(new URL('./report-bundled-undici.cjs', import.meta.url))
    const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', dir, '--config', config], {
      NODE_OPTIONS: `--require ${preload}`,
    })
    try {
      // A plain GET (the fast lane) and one node:http takes (a body), so both paths were loaded.
      assert.equal((await fetch(`${gw.url}/lean/a`)).status, 200)
      assert.equal((await fetch(`${gw.url}/lean/b`, { method: 'POST', body: 'x' })).status, 200)
    } finally {
      assert.equal(await gw.stop('SIGTERM'), 0)
      await up.close()
    }
    assert.match(gw.output(), /bundled undici loaded: no/)
  })

  test('headless without discovery, a route asking for OpenAPI validation is validated from the start', async () => {
    const doc = {
      openapi: '3.0.3',
      info: { title: 'orders', version: '1' },
      paths: {
        '/orders/{id}': {
          get: {
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
            responses: { '200': { description: 'ok' } },
          },
        },
      },
    }
    const up = await startUpstream('orders', (req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(req.url === '/openapi.json' ? JSON.stringify(doc) : '{}')
    })
    const config = write(
      'validated.yaml',
      [
        'routes:',
        '  - id: shop',
        '    path: /shop',
        '    pathType: prefix',
        '    stripPrefix: true',
        `    metadata: { openapi: "${up.url}/openapi.json", openapiValidate: request }`,
        '    targets:',
        `      - url: ${up.url}`,
        '',
      ].join('\n'),
    )
    const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', dir, '--config', config])
    try {
      // No admin request is made: the validator must not wait for one.
      await eventually(async () => (await fetch(`${gw.url}/shop/orders/abc`)).status === 400)
      assert.equal((await fetch(`${gw.url}/shop/orders/7`)).status, 200)
      // Merged by the OpenAPI worker of the build (out/main/openapi-worker.js).
      const merged = (await (await fetch(`${gw.url}/gateway/openapi.json`)).json()) as { paths: object }
      assert.deepEqual(Object.keys(merged.paths), ['/shop/orders/{id}'])
    } finally {
      assert.equal(await gw.stop('SIGTERM'), 0)
      await up.close()
    }
  })

  test('an old Node gets a clear message, not a stack trace', (t) => {
    const old = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' })
    const major = Number(/^v(\d+)/.exec(old.stdout ?? '')?.[1] ?? 0)
    if (old.status !== 0 || major >= 22 || !cliEntry.endsWith('sallyport.js')) {
      t.skip('needs /usr/bin/node older than 22 and a built CLI')
      return
    }
    const r = spawnSync('/usr/bin/node', [cliEntry, '--version'], { encoding: 'utf8' })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /needs Node\.js 22\.19 or newer/)
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/)
  })
})
