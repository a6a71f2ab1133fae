// Refreshes ask "changed since?" and only a change re-merges: a real upstream counting what it was asked,
// a real gateway, the aggregator's generation as the witness that nothing was recomputed.
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { createGateway, type Gateway } from '../../src/gateway/index.ts'
import type { OpenApiAggregator } from '../../src/gateway/openapi/index.ts'

const doc = (paths: string[]) => ({
  openapi: '3.0.3',
  info: { title: 'Catalog', version: '1' },
  paths: Object.fromEntries(paths.map((p) => [p, { get: { responses: { 200: { description: 'ok' } } } }])),
})

let body = JSON.stringify(doc(['/items']))
/** 'etag': ETag + 304 when it matches; 'last-modified': Last-Modified + 304; 'none': no validators. */
let mode: 'etag' | 'last-modified' | 'none' = 'etag'
const seen: IncomingHttpHeaders[] = []
let upstream: Server
let gw: Gateway
let aggregator: OpenApiAggregator
let url: string

before(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers)
    const etag = `"${body.length}-${Buffer.from(body).toString('base64url').slice(-8)}"`
    const modified = 'Tue, 01 Dec 2026 10:00:00 GMT'
    if (mode === 'etag' && req.headers['if-none-match'] === etag) return res.writeHead(304).end()
    if (mode === 'last-modified' && req.headers['if-modified-since'] === modified)
      return res.writeHead(304).end()
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (mode === 'etag') headers.etag = etag
    if (mode === 'last-modified') headers['last-modified'] = modified
    res.writeHead(200, headers).end(body)
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  const port = (upstream.address() as AddressInfo).port
  gw = await createGateway({
    port: 0,
    discovery: false,
    config: {
      routes: [
        {
          path: '/catalog/*',
          stripPrefix: true,
          serviceName: 'catalog',
          targets: [{ url: `http://127.0.0.1:${port}` }],
          metadata: { openapi: '/openapi.json' },
        },
      ],
    },
  })
  url = (await gw.listen()).url
  aggregator = (await gw.admin()).openapi
})
after(async () => {
  await gw.close()
  await new Promise((r) => upstream.close(r))
})

const refresh = () => fetch(`${url}/gateway/api/openapi/refresh`, { method: 'POST' }).then((r) => r.json())
const merged = async () => (await (await fetch(`${url}/gateway/openapi.json`)).json()) as { paths: object }
const generation = () => aggregator.generation

test('a 304 to If-None-Match recomputes nothing; a changed body re-merges', async () => {
  await refresh()
  assert.deepEqual(Object.keys((await merged()).paths), ['/catalog/items'])
  const before = generation()
  const asked = seen.length
  await refresh()
  assert.equal(seen.length, asked + 1)
  assert.match(String(seen.at(-1)?.['if-none-match']), /^"/)
  assert.equal(generation(), before, 'a 304 does not bump the merge generation')
  body = JSON.stringify(doc(['/items', '/items/{id}']))
  await refresh()
  assert.ok((generation() ?? 0) > (before ?? 0))
  assert.deepEqual(Object.keys((await merged()).paths), ['/catalog/items', '/catalog/items/{id}'])
})

test('If-Modified-Since with the last Last-Modified; identical bytes without validators change nothing', async () => {
  mode = 'last-modified'
  await refresh() // the first answer carrying Last-Modified (its body is unchanged)
  const before = generation()
  await refresh()
  assert.equal(seen.at(-1)?.['if-modified-since'], 'Tue, 01 Dec 2026 10:00:00 GMT')
  mode = 'none'
  await refresh()
  await refresh()
  assert.equal(seen.at(-1)?.['if-none-match'], undefined)
  assert.equal(generation(), before, 'the same bytes are the same document')
  const services = (await (await fetch(`${url}/gateway/api/openapi/services`)).json()) as {
    operations: number
  }[]
  assert.equal(services[0]?.operations, 2)
})

test('openapi.refreshInterval sets how often documents are re-fetched, conditionally', async () => {
  const asked: IncomingHttpHeaders[] = []
  const server = createServer((req, res) => {
    asked.push(req.headers)
    if (req.headers['if-none-match'] === '"one"') return res.writeHead(304).end()
    res.writeHead(200, { 'content-type': 'application/json', etag: '"one"' }).end(JSON.stringify(doc(['/x'])))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const fast = await createGateway({
    port: 0,
    discovery: false,
    config: {
      openapi: { refreshInterval: '100ms' },
      routes: [
        {
          path: '/x/*',
          serviceName: 'x',
          targets: [{ url: `http://127.0.0.1:${port}` }],
          metadata: { openapi: '/o' },
        },
      ],
    },
  })
  try {
    await fast.listen()
    const until = Date.now() + 10_000
    while (asked.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    assert.ok(asked.length >= 4, `${asked.length} fetches`)
    assert.equal(asked.at(-1)?.['if-none-match'], '"one"')
  } finally {
    await fast.close()
    await new Promise((r) => server.close(r))
  }
})
