// Record and replay for CI, as a user runs them: `sallyport record` in front of real upstreams, the
// upstreams stopped, `sallyport --replay` answering the same requests with byte-identical bodies, and
// a request nothing was recorded for listed at exit (exit 1 with --strict).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCli } from './run-cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'sallyport-record-'))
const fixtures = join(dir, 'fixtures')
const binary = randomBytes(300)
let upstream: Server
let upstreamUrl = ''
let counter = 0

before(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (req.url === '/users/1')
        res.writeHead(200, { 'content-type': 'application/json', etag: '"u1"' }).end('{"id":1,"name":"Ada"}')
      else if (req.url === '/bin')
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(binary)
      else if (req.url === '/echo' && req.method === 'POST')
        res.writeHead(201, { 'content-type': 'text/plain' }).end(`got ${body.toString()}`)
      else if (req.url?.startsWith('/counter'))
        res.writeHead(200, { 'content-type': 'text/plain' }).end(String(++counter))
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing')
    })
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`
})
after(() => {
  upstream.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The session both runs send: every body kind, a repeated poll, a POST body, a secret header. */
async function session(base: string): Promise<{ status: number; body: Buffer }[]> {
  const calls: [string, RequestInit?][] = [
    ['/svc/users/1', { headers: { authorization: 'Bearer s3cret' } }],
    ['/svc/bin'],
    ['/svc/echo', { method: 'POST', body: 'hello' }],
    ['/svc/echo', { method: 'POST', body: 'again' }],
    ['/svc/counter?b=2&a=1'],
    ['/svc/counter?a=1&b=2'],
    ['/svc/missing'],
  ]
  const out: { status: number; body: Buffer }[] = []
  for (const [path, init] of calls) {
    const res = await fetch(base + path, init)
    out.push({ status: res.status, body: Buffer.from(await res.arrayBuffer()) })
  }
  return out
}

test('a recorded session replays with no upstream: same statuses, byte-identical bodies, misses listed', async () => {
  const config = join(dir, 'gateway.yaml')
  writeFileSync(
    config,
    `routes:\n  - id: svc\n    path: /svc/*\n    stripPrefix: true\n    targets: [{ url: "${upstreamUrl}" }]\n`,
  )
  const rec = await startCli([
    '--no-discovery',
    '--port',
    '0',
    '--config',
    config,
    '--data-dir',
    join(dir, 'd1'),
    'record',
    '--out',
    fixtures,
  ])
  const recorded = await session(rec.url)
  assert.equal(await rec.stop(), 0)
  assert.match(rec.output(), /recorded 7 exchange\(s\) into/)
  const files = readdirSync(fixtures).sort()
  assert.equal(files.length, 7)
  assert.match(files[0] as string, /^0001-GET-svc-users-1\.json$/)
  const first = JSON.parse(readFileSync(join(fixtures, files[0] as string), 'utf8'))
  assert.equal(first.request.headers.authorization, '[redacted]', 'secrets are not written to fixtures')
  assert.equal(first.response.body.data, '{"id":1,"name":"Ada"}')
  const bin = JSON.parse(readFileSync(join(fixtures, files[1] as string), 'utf8'))
  assert.equal(bin.response.body.encoding, 'base64')
  assert.equal(bin.complete, true)

  // A second recording into the same folder would mix with the first.
  await assert.rejects(
    startCli([
      '--no-discovery',
      '--port',
      '0',
      '--config',
      config,
      '--data-dir',
      join(dir, 'd1'),
      'record',
      '--out',
      fixtures,
    ]),
    /already holds 7 fixture\(s\): record into an empty folder/,
  )

  upstream.close()
  upstream.closeAllConnections()
  const rep = await startCli([
    '--no-discovery',
    '--port',
    '0',
    '--data-dir',
    join(dir, 'd2'),
    '--replay',
    fixtures,
    '--strict',
  ])
  const replayed = await session(rep.url)
  for (const [i, r] of recorded.entries()) {
    assert.equal(replayed[i]?.status, r.status, `call ${i}: status`)
    assert.ok(replayed[i]?.body.equals(r.body), `call ${i}: body bytes`)
  }
  assert.deepEqual(
    recorded.slice(4, 6).map((r) => r.body.toString()),
    ['1', '2'],
    'a repeated poll keeps its order',
  )
  const miss = await fetch(`${rep.url}/svc/never-recorded`)
  assert.equal(miss.status, 404)
  assert.equal(miss.headers.get('x-sallyport-replay'), 'miss')
  const problem = (await miss.json()) as { type: string; detail: string }
  assert.equal(problem.type, 'https://sallyport.dev/problems/replay-miss')
  assert.match(problem.detail, /nothing was recorded for GET \/svc\/never-recorded/)
  assert.equal(await rep.stop(), 1, '--strict: a miss fails the run')
  assert.match(rep.output(), /1 request\(s\) had no recorded answer:\n.*GET \/svc\/never-recorded/)
})

test('a folder that is not fixtures is refused with the file and what is wrong', async () => {
  const bad = join(dir, 'bad')
  rmSync(bad, { recursive: true, force: true })
  mkdtempSync(join(dir, 'x'))
  const { mkdirSync } = await import('node:fs')
  mkdirSync(bad)
  writeFileSync(join(bad, '0001.json'), '{"version":1,"request":{"method":"GET"}}')
  await assert.rejects(
    startCli(['--no-discovery', '--port', '0', '--replay', bad]),
    /0001\.json: request\.method and request\.path \(starting with \/\) are required/,
  )
})
