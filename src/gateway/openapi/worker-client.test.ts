// The OpenAPI worker against real loopback upstreams: documents come back as bytes, and a crash (a
// document beyond the worker's heap limit) fails that job and leaves a fresh worker for the next one.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { createOpenApiWorker } from './worker-client.ts'

const small = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Small', version: '2' },
  paths: { '/a': { get: {} } },
})
/** ~60 MB of distinct schemas: far beyond a 16 MB heap once parsed. */
function huge(): string {
  const schemas: Record<string, unknown> = {}
  for (let i = 0; i < 300_000; i++)
    schemas[`S${i}`] = { type: 'object', properties: { [`p${i}`]: { type: 'string' } } }
  return JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Huge', version: '1' },
    paths: {},
    components: { schemas },
  })
}

let server: Server
let base: string
let hugeBody: string

before(async () => {
  hugeBody = huge()
  server = createServer((req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(req.url === '/huge.json' ? hugeBody : small)
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

test('a worker that runs out of memory fails that job, and the next job gets a fresh worker', async () => {
  const worker = createOpenApiWorker({ heapMb: 16 })
  try {
    await assert.rejects(
      worker.load({ service: 'huge', url: `${base}/huge.json`, timeoutMs: 20_000 }),
      /the OpenAPI worker stopped/,
    )
    const next = await worker.load({ service: 'small', url: `${base}/small.json`, timeoutMs: 5000 })
    assert.equal(next.outcome, 'changed')
    // What the restarted worker lost, the main thread restores from its bytes.
    const hash = next.outcome === 'changed' ? next.hash : ''
    const merged = await worker.merge({
      sources: [{ service: 'gone', prefix: '', hash: 'x' }],
      serverUrl: 'http://gw',
      title: 't',
      version: '0',
      problems: {},
    })
    assert.deepEqual(merged, { missing: ['gone'] })
    assert.ok(hash)
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
