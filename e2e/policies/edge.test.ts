import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, test } from 'node:test'
import { SignJWT } from 'jose'
import { call, startGateway } from '../fixtures/gateway.ts'
import { echo, startFixture } from '../fixtures/upstreams.ts'

const closers: (() => Promise<void>)[] = []
after(async () => {
  for (const c of closers.reverse()) await c()
})

test('rate limit: token bucket per route, 429 problem with Retry-After, counted', async () => {
  const up = await echo()
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      { id: 'rl', path: '/rl', targets: [{ url: up.url }], rateLimit: { requestsPerSec: 0.5, burst: 2 } },
    ],
  })
  closers.push(() => g.close())
  assert.equal((await call(`${g.url}/rl`)).status, 200)
  assert.equal((await call(`${g.url}/rl`)).status, 200)
  const r = await call(`${g.url}/rl`)
  assert.equal(r.status, 429)
  assert.equal(r.headers['content-type'], 'application/problem+json')
  assert.equal(r.json().type, 'https://sallyport.dev/problems/rate-limit-exceeded')
  assert.ok(Number(r.headers['retry-after']) >= 1)
  assert.equal(up.hits, 2)
  assert.equal(g.gw.stats().rateLimited, 1)
})

test('rate limit per client header key: separate buckets', async () => {
  const up = await echo()
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      {
        path: '/k',
        targets: [{ url: up.url }],
        rateLimit: { requestsPerSec: 0.1, burst: 1, key: 'header:x-client' },
      },
    ],
  })
  closers.push(() => g.close())
  assert.equal((await call(`${g.url}/k`, { headers: { 'x-client': 'a' } })).status, 200)
  assert.equal((await call(`${g.url}/k`, { headers: { 'x-client': 'a' } })).status, 429)
  assert.equal((await call(`${g.url}/k`, { headers: { 'x-client': 'b' } })).status, 200)
})

test('cache: MISS then HIT with Age; no-store and private are not stored; purge', async () => {
  let n = 0
  const up = await startFixture((req, res) => {
    n++
    const cc = req.url?.includes('nostore')
      ? 'no-store'
      : req.url?.includes('private')
        ? 'private, max-age=60'
        : 'max-age=60'
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': cc })
    res.end(`body ${n}`)
  })
  closers.push(() => up.close())
  const g = await startGateway({ routes: [{ id: 'c', path: '/c', targets: [{ url: up.url }], cache: {} }] })
  closers.push(() => g.close())
  const a = await call(`${g.url}/c/x`)
  assert.equal(a.headers['x-cache'], 'MISS')
  const b = await call(`${g.url}/c/x`)
  assert.equal(b.headers['x-cache'], 'HIT')
  assert.equal(b.text, a.text)
  assert.ok(b.headers.age !== undefined)
  const head = await call(`${g.url}/c/x`, { method: 'HEAD' })
  assert.equal(head.headers['x-cache'], 'HIT')
  await call(`${g.url}/c/nostore`)
  assert.equal((await call(`${g.url}/c/nostore`)).headers['x-cache'], 'MISS')
  await call(`${g.url}/c/private`)
  assert.equal((await call(`${g.url}/c/private`)).headers['x-cache'], 'MISS')
  // Request no-cache goes upstream.
  assert.equal(
    (await call(`${g.url}/c/x`, { headers: { 'cache-control': 'no-cache' } })).headers['x-cache'],
    'MISS',
  )
  const stats = g.gw.stats()
  assert.equal(stats.cacheHits, 2)
  const purge = await call(`${g.url}/gateway/api/cache?route=c`, { method: 'DELETE' })
  assert.equal(purge.status, 200)
  assert.equal((await call(`${g.url}/c/x`)).headers['x-cache'], 'MISS')
})

test('cache: a huge maxEntries is served (bounded by the byte limit), not a crash', async () => {
  const up = await echo()
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [{ id: 'big', path: '/big', targets: [{ url: up.url }], cache: { maxEntries: 1_799_085_245 } }],
  })
  closers.push(() => g.close())
  assert.equal((await call(`${g.url}/big/a`)).status, 200)
})

test('cache honours Vary', async () => {
  const up = await startFixture((req, res) => {
    res.writeHead(200, { 'cache-control': 'max-age=60', vary: 'accept-language' })
    res.end(String(req.headers['accept-language']))
  })
  closers.push(() => up.close())
  const g = await startGateway({ routes: [{ path: '/v', targets: [{ url: up.url }], cache: {} }] })
  closers.push(() => g.close())
  await call(`${g.url}/v`, { headers: { 'accept-language': 'en' } })
  const fr = await call(`${g.url}/v`, { headers: { 'accept-language': 'fr' } })
  assert.equal(fr.headers['x-cache'], 'MISS')
  assert.equal(fr.text, 'fr')
  const en = await call(`${g.url}/v`, { headers: { 'accept-language': 'en' } })
  assert.equal(en.headers['x-cache'], 'HIT')
  assert.equal(en.text, 'en')
})

test('CORS: preflight answered by the gateway; credentials never with *; Vary: Origin', async () => {
  const up = await echo()
  closers.push(() => up.close())
  const g = await startGateway({
    routes: [
      {
        path: '/cors',
        targets: [{ url: up.url }],
        cors: { origins: ['*'], credentials: true, methods: ['GET', 'PUT'], maxAge: 600 },
      },
    ],
  })
  closers.push(() => g.close())
  const pre = await call(`${g.url}/cors`, {
    method: 'OPTIONS',
    headers: { origin: 'http://app.test', 'access-control-request-method': 'PUT' },
  })
  assert.equal(pre.status, 204)
  assert.equal(pre.headers['access-control-allow-origin'], 'http://app.test')
  assert.equal(pre.headers['access-control-allow-credentials'], 'true')
  assert.equal(pre.headers['access-control-max-age'], '600')
  assert.equal(up.hits, 0)
  const actual = await call(`${g.url}/cors`, { headers: { origin: 'http://app.test' } })
  assert.equal(actual.headers['access-control-allow-origin'], 'http://app.test')
  assert.match(String(actual.headers.vary), /Origin/)
  const refused = await call(`${g.url}/cors`, {
    method: 'OPTIONS',
    headers: { origin: 'http://app.test', 'access-control-request-method': 'DELETE' },
  })
  assert.equal(refused.headers['access-control-allow-origin'], undefined)
})

const secret = 'a-very-long-test-secret-of-32-bytes!!'
const hs = (
  claims: Record<string, unknown>,
  alg = 'HS256',
  key: Uint8Array = new TextEncoder().encode(secret),
) => new SignJWT(claims).setProtectedHeader({ alg }).sign(key)

test('JWT matrix: missing, valid, expired, not-yet-valid, alg none, wrong key, roles, issuer', async () => {
  const up = await echo()
  closers.push(() => up.close())
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const g = await startGateway({
    routes: [
      { path: '/hs', targets: [{ url: up.url }], jwt: { secret, issuer: 'iss', roles: ['admin'] } },
      { path: '/rs', targets: [{ url: up.url }], jwt: { publicKey: pem } },
    ],
  })
  closers.push(() => g.close())
  const now = Math.floor(Date.now() / 1000)
  const get = (path: string, token?: string) =>
    call(`${g.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const missing = await get('/hs')
  assert.equal(missing.status, 401)
  assert.match(String(missing.headers['www-authenticate']), /^Bearer/)
  assert.equal(missing.headers['content-type'], 'application/problem+json')
  assert.equal((await get('/hs', await hs({ iss: 'iss', roles: ['admin'], exp: now + 60 }))).status, 200)
  // Twice: the second answer comes from the verified-token cache.
  const tok = await hs({ iss: 'iss', roles: ['admin'], exp: now + 60 })
  assert.equal((await get('/hs', tok)).status, 200)
  assert.equal((await get('/hs', tok)).status, 200)
  assert.equal((await get('/hs', await hs({ iss: 'iss', roles: ['admin'], exp: now - 120 }))).status, 401)
  assert.equal((await get('/hs', await hs({ iss: 'iss', roles: ['admin'], nbf: now + 3600 }))).status, 401)
  assert.equal((await get('/hs', await hs({ iss: 'other', roles: ['admin'] }))).status, 401)
  const forbidden = await get('/hs', await hs({ iss: 'iss', roles: ['user'] }))
  assert.equal(forbidden.status, 403)
  assert.match(String(forbidden.headers['www-authenticate']), /insufficient_scope/)
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ iss: 'iss', roles: ['admin'] }),
  ).toString('base64url')}.`
  assert.equal((await get('/hs', none)).status, 401)
  assert.equal(
    (
      await get(
        '/hs',
        await hs(
          { iss: 'iss', roles: ['admin'] },
          'HS256',
          new TextEncoder().encode('wrong-secret-wrong-secret-wrong!!'),
        ),
      )
    ).status,
    401,
  )
  // RS route: a valid RS256 token passes; an HS256 token signed with the public PEM as secret (key confusion) fails.
  const rs = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
  assert.equal((await get('/rs', rs)).status, 200)
  const confused = await hs({ sub: 'u' }, 'HS256', new TextEncoder().encode(pem))
  assert.equal((await get('/rs', confused)).status, 401)
  assert.equal(up.hits, 4)
})

test('JWT with a JWKS URL: keys are fetched, cached, and a rotated key is picked up by its kid', async () => {
  const { exportJWK, generateKeyPair } = await import('jose')
  const up = await echo()
  closers.push(() => up.close())
  const first = await generateKeyPair('ES256')
  const second = await generateKeyPair('ES256')
  type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey']
  const jwk = async (key: Key, kid: string) => ({
    ...(await exportJWK(key)),
    kid,
    alg: 'ES256',
    use: 'sig',
  })
  let keys = [await jwk(first.publicKey, 'k1')]
  let fetches = 0
  const jwks = await startFixture((_req, res) => {
    fetches++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys }))
  })
  closers.push(() => jwks.close())
  const t = await startGateway({
    routes: [
      {
        path: '/es',
        targets: [{ url: up.url }],
        jwt: { jwksUrl: `${jwks.url}/.well-known/jwks.json`, audience: 'api', jwksCooldown: '50ms' },
      },
    ],
  })
  closers.push(() => t.close())
  const sign = (key: Key, kid: string, aud = 'api') =>
    new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setAudience(aud)
      .setExpirationTime('5m')
      .sign(key)
  const bearer = async (token: Promise<string>) => ({ authorization: `Bearer ${await token}` })

  assert.equal(
    (await call(`${t.url}/es`, { headers: await bearer(sign(first.privateKey, 'k1')) })).status,
    200,
  )
  assert.equal(
    (await call(`${t.url}/es`, { headers: await bearer(sign(first.privateKey, 'k1', 'other')) })).status,
    401,
  )
  const afterFirst = fetches
  // A second token with a known kid is verified from the cached key set.
  assert.equal(
    (await call(`${t.url}/es`, { headers: await bearer(sign(first.privateKey, 'k1')) })).status,
    200,
  )
  assert.equal(fetches, afterFirst)
  // Rotation: the issuer publishes k2; a token signed with it makes the gateway refetch and accept it.
  keys = [await jwk(first.publicKey, 'k1'), await jwk(second.publicKey, 'k2')]
  await new Promise((r) => setTimeout(r, 100)) // past the (test-sized) refetch cooldown
  const rotated = await call(`${t.url}/es`, { headers: await bearer(sign(second.privateKey, 'k2')) })
  assert.equal(rotated.status, 200, `${rotated.text} (fetches ${afterFirst} -> ${fetches})`)
  assert.ok(fetches > afterFirst, 'the unknown kid triggered a refetch')
  // A kid the issuer never published is refused.
  const stranger = await generateKeyPair('ES256')
  assert.equal(
    (await call(`${t.url}/es`, { headers: await bearer(sign(stranger.privateKey, 'k9')) })).status,
    401,
  )
})
