// The OpenAPI worker against real loopback upstreams: documents come back as bytes, a crash fails that
// job and leaves a fresh worker for the next one, and an oversized document is refused while it is read.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { createOpenApiWorker } from './worker-client.ts'

const small = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Small', version: '2' },
  paths: { '/a': { get: {} } },
})

let server: Server
let base: string

/** 1 MiB chunks until the client stops reading: a document without end. */
function stream(res: ServerResponse): void {
  const chunk = Buffer.alloc(1024 * 1024, 0x20)
  const more = () => {
    while (!res.destroyed && res.write(chunk));
  }
  res.on('drain', more)
  more()
}

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/claims-large.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(70 * 1024 * 1024) })
      return stream(res)
    }
    if (req.url === '/streams-large.json') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return stream(res)
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(small)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => new Promise((r) => server.close(r)))

test('load hands back the original bytes and metadata; merge hands back serialised bytes', async () => {
  const worker = createOpenApiWorker()
  try {
    const loaded = await worker.load({ service: 'small', url: `${base}/small.json`, timeoutMs: 5000 })
    assert.equal(loaded.outcome, 'changed')
    if (loaded.outcome !== 'changed') return
    assert.equal(Buffer.from(loaded.original).toString(), small)
    assert.deepEqual(loaded.meta, { title: 'Small', version: '2', specVersion: '3.0.3', operations: 1 })
    const again = await worker.load({
      service: 'small',
      url: `${base}/small.json`,
      timeoutMs: 5000,
      hash: loaded.hash,
    })
    assert.deepEqual(again, { outcome: 'unchanged', etag: undefined, lastModified: undefined })
    const result = await worker.merge({
      sources: [{ service: 'small', prefix: '/s', hash: loaded.hash }],
      serverUrl: 'http://gw',
      title: 'GW',
      version: '0',
      problems: { other: 'down' },
    })
    assert.ok('merged' in result)
    const doc = JSON.parse(Buffer.from(result.merged).toString())
    assert.ok(doc.paths['/s/a'])
    assert.deepEqual(doc['x-sallyport-errors'], { other: 'down' })
  } finally {
    await worker.close()
  }
})

test('a worker that crashes fails that job, and the next job gets a fresh worker', async () => {
  // The real worker, plus a handler that throws (uncaught, so the thread dies) for service "crash".
  const dir = mkdtempSync(join(tmpdir(), 'sp-worker-'))
  const file = join(dir, 'crashing-worker.mjs')
  writeFileSync(
    file,
    [
      `import { parentPort } from 'node:worker_threads'`,
      `import ${JSON.stringify(new URL('./openapi-worker.ts', import.meta.url).href)}`,
      `parentPort.on('message', (m) => { if (m.job.service === 'crash') throw new Error('boom') })`,
    ].join('\n'),
  )
  const worker = createOpenApiWorker({ file: pathToFileURL(file) })
  try {
    const first = await worker.load({ service: 'small', url: `${base}/small.json`, timeoutMs: 5000 })
    assert.equal(first.outcome, 'changed')
    await assert.rejects(
      worker.load({ service: 'crash', url: `${base}/small.json`, timeoutMs: 5000 }),
      /the OpenAPI worker stopped \(boom\)/,
    )
    const next = await worker.load({ service: 'small', url: `${base}/small.json`, timeoutMs: 5000 })
    assert.equal(next.outcome, 'changed', 'a fresh worker, which has not seen the document')
    // What the restarted worker lost, the main thread restores from its bytes (aggregator.ts).
    const merged = await worker.merge({
      sources: [{ service: 'gone', prefix: '', hash: 'x' }],
      serverUrl: 'http://gw',
      title: 't',
      version: '0',
      problems: {},
    })
    assert.deepEqual(merged, { missing: ['gone'] })
  } finally {
    await worker.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a document larger than 64 MiB is refused while it is read, with or without Content-Length', async () => {
  const worker = createOpenApiWorker()
  try {
    for (const path of ['/claims-large.json', '/streams-large.json'])
      await assert.rejects(
        worker.load({ service: 'large', url: `${base}${path}`, timeoutMs: 20_000 }),
        /larger than 64 MiB/,
      )
  } finally {
    await worker.close()
  }
})

test('the queue is bounded: jobs beyond it are refused at once', async () => {
  const worker = createOpenApiWorker({ maxQueue: 1 })
  try {
    const first = worker.load({ service: 'small', url: `${base}/small.json`, timeoutMs: 5000 })
    await assert.rejects(
      worker.load({ service: 'b', url: `${base}/small.json`, timeoutMs: 5000 }),
      /busy \(1 jobs queued\)/,
    )
    assert.equal((await first).outcome, 'changed')
  } finally {
    await worker.close()
  }
})
