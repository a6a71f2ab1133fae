// The response cache seen from outside (RFC 9111 §4.3, RFC 5861): a real gateway before a loopback
// upstream that records the conditions it is asked with and answers 304 when they match.
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { after, before, test } from 'node:test'
import { call, startGateway, type TestGateway, until } from '../fixtures/gateway.ts'
import { type Fixture, startFixture } from '../fixtures/upstreams.ts'

/** Per path: the status (200) and head to answer with, the body, and the status once it "fails". */
interface Resource {
  status?: number
  headers: Record<string, string | string[]>
  body: string
  fail?: number
  delayMs?: number
}

const resources = new Map<string, Resource>()
/** The If-None-Match / If-Modified-Since each request came with, per path. */
const conditions = new Map<string, (string | undefined)[]>()
let up: Fixture
let g: TestGateway

function origin(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/'
  const r = resources.get(path)
  const inm = req.headers['if-none-match']
  const ims = req.headers['if-modified-since']
  conditions.set(path, [...(conditions.get(path) ?? []), inm ?? ims])
  if (r === undefined) {
    res.writeHead(404).end()
    return
  }
  if (r.fail !== undefined) {
    res.writeHead(r.fail, { 'content-type': 'text/plain' }).end('upstream failed')
    return
  }
  const etag = r.headers.etag
  if ((inm !== undefined && inm === etag) || (ims !== undefined && ims === r.headers['last-modified'])) {
    res.writeHead(304, { ...r.headers, 'x-validated': 'yes' }).end()
    return
  }
  const send = () =>
    res.writeHead(r.status ?? 200, { 'content-type': 'text/plain', ...r.headers }).end(r.body)
  if (r.delayMs) setTimeout(send, r.delayMs)
  else send()
}

before(async () => {
  up = await startFixture(origin)
  g = await startGateway({ routes: [{ id: 'c', path: '/c', targets: [{ url: up.url }], cache: {} }] })
})
after(async () => {
  await g.close()
  await up.close()
})

const asked = (path: string) => conditions.get(path) ?? []

test('§4.3.1 a stale entry is validated with If-None-Match; the 304 serves the stored body, head updated', async () => {
  resources.set('/c/etag', {
    headers: { 'cache-control': 'max-age=0', etag: '"v1"', 'x-v': 'A' },
    body: 'one',
  })
  const first = await call(`${g.url}/c/etag`)
  assert.equal(first.headers['x-cache'], 'MISS')
  ;(resources.get('/c/etag') as Resource).headers['x-v'] = 'B'
  const second = await call(`${g.url}/c/etag`)
  assert.equal(second.status, 200)
  assert.equal(second.text, 'one')
  assert.equal(second.headers['x-cache'], 'REVALIDATED')
  // §4.3.4: the fields of the 304 replace the stored ones.
  assert.equal(second.headers['x-v'], 'B')
  assert.equal(second.headers['x-validated'], 'yes')
  assert.deepEqual(asked('/c/etag'), [undefined, '"v1"'])
})

test('§4.3.1 Last-Modified alone validates with If-Modified-Since', async () => {
  const lm = 'Wed, 01 Jan 2020 00:00:00 GMT'
  resources.set('/c/lm', { headers: { 'cache-control': 'max-age=0', 'last-modified': lm }, body: 'lm' })
  await call(`${g.url}/c/lm`)
  const second = await call(`${g.url}/c/lm`)
  assert.equal(second.headers['x-cache'], 'REVALIDATED')
  assert.equal(second.text, 'lm')
  assert.deepEqual(asked('/c/lm'), [undefined, lm])
})

test('§4.3.1 a changed resource (200 to the condition) replaces the stored one', async () => {
  resources.set('/c/change', { headers: { 'cache-control': 'max-age=0', etag: '"a"' }, body: 'old' })
  await call(`${g.url}/c/change`)
  resources.set('/c/change', { headers: { 'cache-control': 'max-age=60', etag: '"b"' }, body: 'new' })
  const changed = await call(`${g.url}/c/change`)
  assert.equal(changed.headers['x-cache'], 'MISS')
  assert.equal(changed.text, 'new')
  const hit = await call(`${g.url}/c/change`)
  assert.equal(hit.headers['x-cache'], 'HIT')
  assert.equal(hit.text, 'new')
  assert.deepEqual(asked('/c/change'), [undefined, '"a"'])
})

test('§4.3.2 a client If-None-Match on a fresh entry is answered 304 by the gateway, upstream untouched', async () => {
  resources.set('/c/fresh', { headers: { 'cache-control': 'max-age=60', etag: 'W/"f1"' }, body: 'fresh' })
  await call(`${g.url}/c/fresh`)
  const before = up.paths.get('/c/fresh')
  const nm = await call(`${g.url}/c/fresh`, { headers: { 'if-none-match': '"x", "f1"' } })
  assert.equal(nm.status, 304)
  assert.equal(nm.text, '')
  assert.equal(nm.headers.etag, 'W/"f1"')
  assert.equal(nm.headers['cache-control'], 'max-age=60')
  assert.equal(nm.headers['content-type'], undefined)
  assert.equal(nm.headers['x-cache'], 'HIT')
  const other = await call(`${g.url}/c/fresh`, { headers: { 'if-none-match': '"f2"' } })
  assert.equal(other.status, 200)
  assert.equal(other.text, 'fresh')
  assert.equal(up.paths.get('/c/fresh'), before)
})

test('§4.3.2 a client If-None-Match on a stale entry: validated with the stored ETag, then answered 304', async () => {
  resources.set('/c/both', { headers: { 'cache-control': 'max-age=0', etag: '"s1"' }, body: 'both' })
  await call(`${g.url}/c/both`)
  const r = await call(`${g.url}/c/both`, { headers: { 'if-none-match': '"s1"' } })
  assert.equal(r.status, 304)
  assert.equal(r.headers['x-cache'], 'REVALIDATED')
  assert.deepEqual(asked('/c/both'), [undefined, '"s1"'])
})

test('RFC 5861 stale-while-revalidate: the stale entry is served at once and refreshed in the background once', async () => {
  resources.set('/c/swr', {
    headers: { 'cache-control': 'max-age=0, stale-while-revalidate=60', etag: '"w1"' },
    body: 'w1',
  })
  await call(`${g.url}/c/swr`)
  resources.set('/c/swr', {
    headers: { 'cache-control': 'max-age=60', etag: '"w2"' },
    body: 'w2',
    delayMs: 300,
  })
  // Three clients while the refresh is on its way: all served stale at once, one refresh upstream.
  const stale = await Promise.all([1, 2, 3].map(() => call(`${g.url}/c/swr`)))
  for (const s of stale) {
    assert.equal(s.headers['x-cache'], 'STALE')
    assert.equal(s.text, 'w1')
  }
  await until(() => asked('/c/swr').length === 2)
  assert.equal(asked('/c/swr')[1], '"w1"')
  await until(async () => (await call(`${g.url}/c/swr`)).text === 'w2')
  const hit = await call(`${g.url}/c/swr`)
  assert.equal(hit.headers['x-cache'], 'HIT')
  assert.equal(asked('/c/swr').length, 2)
})

test('RFC 5861 stale-if-error: a 503 or an unreachable upstream gets the stale entry; must-revalidate does not', async () => {
  resources.set('/c/sie', {
    headers: { 'cache-control': 'max-age=0, stale-if-error=60', etag: '"e1"' },
    body: 'kept',
  })
  resources.set('/c/mr', {
    headers: { 'cache-control': 'max-age=0, must-revalidate', etag: '"m1"' },
    body: 'mr',
  })
  await call(`${g.url}/c/sie`)
  await call(`${g.url}/c/mr`)
  ;(resources.get('/c/sie') as Resource).fail = 503
  ;(resources.get('/c/mr') as Resource).fail = 503
  const stale = await call(`${g.url}/c/sie`)
  assert.equal(stale.status, 200)
  assert.equal(stale.text, 'kept')
  assert.equal(stale.headers['x-cache'], 'STALE')
  assert.equal((await call(`${g.url}/c/mr`)).status, 503)
  // An upstream that is gone: the gateway's own 502 gives way to the stale entry too.
  const lone = await startFixture((_req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=0, stale-if-error=60', etag: '"l"' }).end('lone')
  })
  const g2 = await startGateway({ routes: [{ path: '/l', targets: [{ url: lone.url }], cache: {} }] })
  try {
    await call(`${g2.url}/l`)
    await lone.close()
    const r = await call(`${g2.url}/l`)
    assert.equal(r.status, 200)
    assert.equal(r.text, 'lone')
    assert.equal(r.headers['x-cache'], 'STALE')
  } finally {
    await g2.close()
  }
})

test('§5.3 an invalid Expires is already expired; §5.1 "Age: 7200, 0" with max-age=3600 is stale', async () => {
  resources.set('/c/expires', { headers: { expires: 'Thu, 18 Aug 2050 02:01:18 UTC' }, body: 'x' })
  resources.set('/c/age', { headers: { 'cache-control': 'max-age=3600', age: '7200, 0' }, body: 'x' })
  resources.set('/c/age-ok', { headers: { 'cache-control': 'max-age=3600', age: '100' }, body: 'x' })
  for (const p of ['/c/expires', '/c/age', '/c/age-ok']) await call(`${g.url}${p}`)
  assert.equal((await call(`${g.url}/c/expires`)).headers['x-cache'], 'MISS')
  assert.equal((await call(`${g.url}/c/age`)).headers['x-cache'], 'MISS')
  const ok = await call(`${g.url}/c/age-ok`)
  assert.equal(ok.headers['x-cache'], 'HIT')
  // §4.2.3: the current age, at least the 100 s it came with.
  assert.ok(Number(ok.headers.age) >= 100)
})

test('§3 a 404 with max-age is stored; §4.1 Vary: * on a second line never matches', async () => {
  resources.set('/c/gone', { status: 404, headers: { 'cache-control': 'max-age=60' }, body: 'not here' })
  await call(`${g.url}/c/gone`)
  const gone = await call(`${g.url}/c/gone`)
  assert.equal(gone.status, 404)
  assert.equal(gone.text, 'not here')
  assert.equal(gone.headers['x-cache'], 'HIT')
  resources.set('/c/vary', { headers: { 'cache-control': 'max-age=60', vary: ['accept', '*'] }, body: 'v' })
  await call(`${g.url}/c/vary`)
  assert.equal((await call(`${g.url}/c/vary`)).headers['x-cache'], 'MISS')
})

test('§4.4 a successful unsafe request, of a method unknown to the cache too, invalidates the URL', async () => {
  resources.set('/c/inv', { headers: { 'cache-control': 'max-age=60' }, body: 'inv' })
  for (const method of ['POST', 'REPORT']) {
    await call(`${g.url}/c/inv`)
    assert.equal((await call(`${g.url}/c/inv`)).headers['x-cache'], 'HIT')
    assert.equal((await call(`${g.url}/c/inv`, { method })).status, 200)
    assert.equal((await call(`${g.url}/c/inv`)).headers['x-cache'], 'MISS', method)
  }
})

test('§4.4 the Location and Content-Location of the answer are invalidated too, on the same origin only', async () => {
  resources.set('/c/made', { headers: { 'cache-control': 'max-age=60' }, body: 'made' })
  resources.set('/c/listed', { headers: { 'cache-control': 'max-age=60' }, body: 'listed' })
  resources.set('/c/form', {
    status: 201,
    headers: { location: '/c/made', 'content-location': 'http://elsewhere.test/c/listed' },
    body: '',
  })
  for (const p of ['/c/made', '/c/listed']) await call(`${g.url}${p}`)
  assert.equal((await call(`${g.url}/c/form`, { method: 'POST', body: 'x' })).status, 201)
  assert.equal((await call(`${g.url}/c/made`)).headers['x-cache'], 'MISS')
  assert.equal((await call(`${g.url}/c/listed`)).headers['x-cache'], 'HIT')
})

test('§5.2.1.7 only-if-cached: a 504 problem when nothing usable is stored, upstream untouched; else the stored answer', async () => {
  resources.set('/c/oic', { headers: { 'cache-control': 'max-age=60' }, body: 'oic' })
  const none = await call(`${g.url}/c/oic`, { headers: { 'cache-control': 'only-if-cached' } })
  assert.equal(none.status, 504)
  assert.equal(none.headers['content-type'], 'application/problem+json')
  assert.equal(up.paths.get('/c/oic'), undefined)
  await call(`${g.url}/c/oic`)
  const hit = await call(`${g.url}/c/oic`, { headers: { 'cache-control': 'only-if-cached' } })
  assert.equal(hit.status, 200)
  assert.equal(hit.headers['x-cache'], 'HIT')
  assert.equal(up.paths.get('/c/oic'), 1)
})
