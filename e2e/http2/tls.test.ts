// HTTPS on the gateway's one port (`server: { tls: 'auto' }`, or cert and key files): ALPN picks h2 or
// HTTP/1.1 (RFC 7301), the local CA in <dataDir>/tls/ca.pem verifies it, the same route answers the
// same body over every protocol, the upstream is told https, and WebSocket clients keep their
// HTTP/1.1 connection (no RFC 8441 extended CONNECT).
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import type { ClientHttp2Session } from 'node:http2'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { ConnectionOptions, TLSSocket } from 'node:tls'
import { type ClientOptions, WebSocket } from 'ws'
import { call } from '../fixtures/gateway.ts'
import { echo, startFixture, wsEchoServer } from '../fixtures/upstreams.ts'
import {
  Closers,
  curl,
  h1request,
  h2connect,
  h2request,
  type Reply,
  sha256,
  sleep,
  startDataDirGateway,
  type TlsGateway,
  within,
} from './helpers.ts'
import { selfSignedCertificate } from '../fixtures/certificates.ts'

const closers = new Closers()
after(() => closers.run())

type Seen = { method: string; path: string; headers: Record<string, string>; body: string }

/** A gateway with `server.tls` and the given routes, closed after the file; its CA must exist. */
async function tlsGateway(tls: unknown, routes: unknown[]): Promise<TlsGateway & { ca: string }> {
  const g = await startDataDirGateway({ server: { tls }, routes })
  closers.add(() => g.close())
  assert.ok(
    g.ca !== undefined || typeof tls === 'object',
    `server.tls ${JSON.stringify(tls)}: no CA at ${join(g.dataDir, 'tls', 'ca.pem')} after listen()`,
  )
  return g as TlsGateway & { ca: string }
}

/** An h2 session over TLS to 127.0.0.1:port with SNI `servername`, verified with `ca`. */
async function tlsSession(g: TlsGateway, ca: string, servername = 'localhost'): Promise<ClientHttp2Session> {
  const session = await h2connect(`https://localhost:${g.port}`, { ca, servername })
  closers.add(() => session.destroy())
  return session
}

function peer(session: ClientHttp2Session): { alpn: string | false; san: string; cert: X509Certificate } {
  const socket = session.socket as unknown as TLSSocket
  const raw = socket.getPeerCertificate(false)
  return {
    alpn: session.alpnProtocol ?? false,
    san: raw.subjectaltname ?? '',
    cert: new X509Certificate(raw.raw),
  }
}

test('RFC 7301: ALPN h2 over TLS on the same port, verified with <dataDir>/tls/ca.pem for localhost and api.localhost', async () => {
  const up = await echo('tls-echo')
  closers.add(() => up.close())
  const g = await tlsGateway('auto', [{ path: '/r', targets: [{ url: up.url }] }])
  assert.match(g.ca, /^-----BEGIN CERTIFICATE-----/)

  const session = await tlsSession(g, g.ca, 'localhost')
  const local = peer(session)
  assert.equal(local.alpn, 'h2')
  assert.equal(session.encrypted, true)
  assert.match(local.san, /DNS:localhost\b/)
  assert.ok(local.cert.checkIssued(new X509Certificate(g.ca)), 'the leaf is issued by the local CA')
  const r = await h2request(session, '/r/over-tls?x=1')
  assert.equal(r.status, 200, r.text)
  const seen = r.json<Seen>()
  assert.equal(seen.path, '/r/over-tls?x=1')
  assert.equal(seen.headers['x-forwarded-proto'], 'https')
  assert.equal(seen.headers['x-forwarded-host'], `localhost:${g.port}`)
  assert.equal(seen.headers.host, new URL(up.url).host, 'host is the target')

  // Another name under .localhost gets a leaf of its own.
  const api = await tlsSession(g, g.ca, 'api.localhost')
  const apiPeer = peer(api)
  assert.equal(apiPeer.alpn, 'h2')
  assert.match(apiPeer.san, /DNS:api\.localhost\b/)
  const viaApi = await h2request(api, '/r/api', { headers: { ':authority': `api.localhost:${g.port}` } })
  assert.equal(viaApi.status, 200, viaApi.text)
  assert.equal(viaApi.json<Seen>().headers['x-forwarded-host'], `api.localhost:${g.port}`)
  assert.equal(viaApi.json<Seen>().headers['x-forwarded-proto'], 'https')
})

test('a client that refuses the certificate (wrong name, CA not trusted) is turned away and does not hold up a graceful close', async () => {
  const up = await echo('tls-echo')
  closers.add(() => up.close())
  const g = await startDataDirGateway({
    server: { tls: 'auto' },
    routes: [{ path: '/r', targets: [{ url: up.url }] }],
  })
  let closed = false
  closers.add(() => (closed ? undefined : g.close()))
  assert.ok(g.ca, 'the local CA exists')
  // A name the local CA may not issue for gets the localhost leaf, which does not verify for it.
  await assert.rejects(
    h2connect(`https://localhost:${g.port}`, { ca: g.ca, servername: 'www.example.com' }),
    (err: NodeJS.ErrnoException) => err.code === 'ERR_TLS_CERT_ALTNAME_INVALID',
  )
  // Without the CA nothing verifies (what a browser or curl without --cacert does).
  await assert.rejects(h2connect(`https://localhost:${g.port}`, { servername: 'localhost' }))
  await assert.rejects(h1request(`https://localhost:${g.port}/r/x`, { servername: 'localhost' }))
  // The gateway still serves a client that trusts it.
  const ok = await h1request(`https://localhost:${g.port}/r/ok`, { ca: g.ca })
  assert.equal(ok.status, 200)
  assert.equal(up.hits, 1, 'nothing from the refused clients reached the upstream')
  // Those clients are gone: nothing of theirs is in flight, so closing takes no drain time
  // (the default drain timeout is 10 s).
  await sleep(200)
  const started = performance.now()
  await g.close()
  closed = true
  const ms = performance.now() - started
  assert.ok(ms < 2000, `gw.close() took ${Math.round(ms)} ms after clients refused the certificate`)
})

test('RFC 7301: a client offering only http/1.1 (or no ALPN) gets HTTP/1.1 over TLS', async () => {
  const up = await echo('tls-echo')
  closers.add(() => up.close())
  const g = await tlsGateway('auto', [{ path: '/r', targets: [{ url: up.url }] }])
  const url = `https://localhost:${g.port}/r/h1`
  const onlyH1 = await h1request(url, { ca: g.ca, servername: 'localhost', alpn: ['http/1.1'] })
  assert.equal(onlyH1.status, 200, onlyH1.text)
  assert.equal(onlyH1.protocol, '1.1')
  assert.equal(onlyH1.tls?.alpn, 'http/1.1')
  assert.match(String(onlyH1.tls?.subjectaltname), /DNS:localhost\b/)
  assert.equal(onlyH1.json<Seen>().headers['x-forwarded-proto'], 'https')
  assert.equal(onlyH1.json<Seen>().headers['x-forwarded-host'], `localhost:${g.port}`)

  const noAlpn = await h1request(url, { ca: g.ca, servername: 'localhost', alpn: null })
  assert.equal(noAlpn.status, 200, noAlpn.text)
  assert.equal(noAlpn.protocol, '1.1')
  assert.equal(noAlpn.tls?.alpn, false)
  assert.equal(noAlpn.json<Seen>().headers['x-forwarded-proto'], 'https')

  // A client that prefers h2 but also offers http/1.1 gets h2 (the server's choice, RFC 7301 §3.2).
  const both = await h2connect(`https://localhost:${g.port}`, {
    ca: g.ca,
    servername: 'localhost',
    ALPNProtocols: ['h2', 'http/1.1'],
  })
  closers.add(() => both.destroy())
  assert.equal(both.alpnProtocol, 'h2')

  // A POST with a body over HTTP/1.1-in-TLS.
  const post = await h1request(url, {
    ca: g.ca,
    method: 'POST',
    body: 'tls body',
    headers: { 'content-type': 'text/plain' },
  })
  assert.equal(post.status, 200)
  assert.equal(post.json<Seen>().body, 'tls body')
})

test('the same route answers the same body over HTTP/1.1, h2c, h2 over TLS and HTTP/1.1 over TLS', async () => {
  const payload = (path: string) => Buffer.from(`${sha256(Buffer.from(path))}\n`.repeat(2000))
  const up = await startFixture((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'x-proto-seen': String(req.headers['x-forwarded-proto']),
    })
    res.end(payload(req.url ?? '/'))
  })
  closers.add(() => up.close())
  const g = await tlsGateway('auto', [{ path: '/same', targets: [{ url: up.url }] }])
  const path = '/same/thing?v=1'
  const expected = payload(path)
  const h2cSession = await h2connect(g.url)
  closers.add(() => h2cSession.destroy())
  const tlsH2 = await tlsSession(g, g.ca)
  const replies: Record<string, Reply> = {
    'HTTP/1.1': await h1request(`${g.url}${path}`),
    h2c: await h2request(h2cSession, path),
    'h2 over TLS': await h2request(tlsH2, path),
    'HTTP/1.1 over TLS': await h1request(`https://localhost:${g.port}${path}`, { ca: g.ca }),
  }
  const proto: Record<string, string> = {
    'HTTP/1.1': 'http',
    h2c: 'http',
    'h2 over TLS': 'https',
    'HTTP/1.1 over TLS': 'https',
  }
  for (const [name, r] of Object.entries(replies)) {
    assert.equal(r.status, 200, `${name}: ${r.text.slice(0, 200)}`)
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8', name)
    assert.equal(r.body.length, expected.length, name)
    assert.equal(sha256(r.body), sha256(expected), name)
    assert.equal(r.headers['x-proto-seen'], proto[name], `${name}: x-forwarded-proto upstream`)
  }
  assert.equal(up.hits, 4)
  // undici's HTTP/1.1 on the cleartext side as well.
  assert.equal((await call(`${g.url}${path}`)).status, 200)
})

test('a WebSocket over TLS (ALPN http/1.1, RFC 8441 not offered) reaches a ws echo upstream through a route', async () => {
  const ws = await wsEchoServer()
  closers.add(() => ws.close())
  const g = await tlsGateway('auto', [{ path: '/ws', protocol: 'websocket', targets: [{ url: ws.url }] }])
  // ws hands its options to tls.connect: offer HTTP/1.1 only, as a browser's WebSocket connection does.
  const options: ClientOptions & Pick<ConnectionOptions, 'ALPNProtocols' | 'servername'> = {
    ca: g.ca,
    servername: 'localhost',
    ALPNProtocols: ['http/1.1'],
  }
  const client = new WebSocket(`wss://localhost:${g.port}/ws`, options)
  closers.add(() => client.terminate())
  const errors: Error[] = []
  client.on('error', (e) => errors.push(e))
  const opened = await within(once(client, 'open'), 5000)
  assert.ok(opened, `no open: ${errors.map((e) => e.message).join('; ')}`)
  const socket = (client as unknown as { _socket: TLSSocket })._socket
  assert.equal(socket.alpnProtocol, 'http/1.1')
  assert.equal(socket.encrypted, true)
  for (const text of ['hello over wss', 'x'.repeat(70_000)]) {
    client.send(text)
    const [msg] = (await once(client, 'message')) as [Buffer]
    assert.equal(msg.toString(), text)
  }
  client.send(Buffer.from([0, 1, 2, 255]), { binary: true })
  const [bin, isBinary] = (await once(client, 'message')) as [Buffer, boolean]
  assert.equal(isBinary, true)
  assert.deepEqual([...bin], [0, 1, 2, 255])
  assert.equal(ws.hits, 1)
  client.close(1000, 'done')
  const [code] = (await once(client, 'close')) as [number]
  assert.equal(code, 1000)
})

test('curl --cacert <ca> --http2 https://localhost:PORT/ gets 200 over HTTP/2 (and --http1.1 over HTTP/1.1)', async () => {
  const up = await echo('curl-tls')
  closers.add(() => up.close())
  const g = await tlsGateway('auto', [{ path: '/c', targets: [{ url: up.url }] }])
  const caFile = join(g.dataDir, 'tls', 'ca.pem')
  const resolve = [
    '--resolve',
    `localhost:${g.port}:127.0.0.1`,
    '--resolve',
    `api.localhost:${g.port}:127.0.0.1`,
  ]
  const fmt = ['--write-out', '\n%{http_code} %{http_version} %{ssl_verify_result}']
  for (const host of ['localhost', 'api.localhost']) {
    const h2 = await curl([
      ...resolve,
      ...fmt,
      '--cacert',
      caFile,
      '--http2',
      `https://${host}:${g.port}/c/x`,
    ])
    assert.equal(h2.code, 0, `${host}: curl failed: ${h2.err}`)
    const lines = h2.out.trimEnd().split('\n')
    assert.equal(lines.at(-1), '200 2 0', `${host}: ${h2.out}`)
    const seen = JSON.parse(lines.slice(0, -1).join('\n')) as Seen
    assert.equal(seen.headers['x-forwarded-proto'], 'https')
    assert.equal(seen.headers['x-forwarded-host'], `${host}:${g.port}`)
  }
  const h1 = await curl([
    ...resolve,
    ...fmt,
    '--cacert',
    caFile,
    '--http1.1',
    `https://localhost:${g.port}/c/y`,
  ])
  assert.equal(h1.code, 0, h1.err)
  assert.equal(h1.out.trimEnd().split('\n').at(-1), '200 1.1 0')
  // Cleartext still answers on the same port.
  const clear = await curl([...fmt, '--http2-prior-knowledge', `http://127.0.0.1:${g.port}/c/z`])
  assert.equal(clear.code, 0, clear.err)
  assert.equal(clear.out.trimEnd().split('\n').at(-1), '200 2 0')
})

test('server.tls with cert and key files (openssl req -x509): h2 and HTTP/1.1 over TLS serve that certificate', async () => {
  const made = selfSignedCertificate()
  assert.ok(made, 'openssl could not make a test certificate')
  closers.add(() => rmSync(made.dir, { recursive: true, force: true }))
  const up = await echo('files')
  closers.add(() => up.close())
  const g = await tlsGateway({ cert: made.certFile, key: made.keyFile }, [
    { path: '/f', targets: [{ url: up.url }] },
  ])
  const session = await tlsSession(g, made.cert, 'localhost')
  const p = peer(session)
  assert.equal(p.alpn, 'h2')
  assert.equal(
    p.cert.fingerprint256,
    new X509Certificate(made.cert).fingerprint256,
    'the configured certificate',
  )
  const r = await h2request(session, '/f/a')
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json<Seen>().headers['x-forwarded-proto'], 'https')

  const h1 = await h1request(`https://localhost:${g.port}/f/b`, { ca: made.cert, alpn: ['http/1.1'] })
  assert.equal(h1.status, 200, h1.text)
  assert.equal(h1.tls?.alpn, 'http/1.1')
  assert.equal(h1.json<Seen>().headers['x-forwarded-proto'], 'https')

  const c = await curl([
    '--resolve',
    `localhost:${g.port}:127.0.0.1`,
    '--write-out',
    '\n%{http_code} %{http_version}',
    '--cacert',
    made.certFile,
    '--http2',
    `https://localhost:${g.port}/f/c`,
  ])
  assert.equal(c.code, 0, c.err)
  assert.equal(c.out.trimEnd().split('\n').at(-1), '200 2')
})

test('server.tls.redirectHttp: cleartext HTTP/1.1 gets 308 to the same URL over https (RFC 9110 §15.4.9); HTTPS serves', async () => {
  const up = await startFixture((req, res) => res.end(`ok ${req.url}`))
  closers.add(() => up.close())
  const g = await tlsGateway({ redirectHttp: true }, [{ path: '/r', targets: [{ url: up.url }] }])
  const plain = await h1request(`${g.url}/r/x?y=1`, { method: 'POST', body: 'b' })
  assert.equal(plain.status, 308)
  assert.equal(plain.headers.location, `https://127.0.0.1:${g.port}/r/x?y=1`)
  assert.equal(up.hits, 0, 'nothing went upstream over cleartext')
  const secure = await h1request(`${g.httpsUrl}/r/x?y=1`, { ca: g.ca })
  assert.equal(secure.status, 200)
  assert.equal(secure.text, 'ok /r/x?y=1')
})

test('h2 over TLS with large client windows: four 4 MiB downloads at once on one connection arrive whole (sha256)', async () => {
  const big = (path: string) => {
    const seed = Buffer.from(sha256(Buffer.from(path)))
    return Buffer.concat(Array.from({ length: (4 * 1024 * 1024) / seed.length }, () => seed))
  }
  const up = await startFixture((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.end(big(req.url ?? '/'))
  })
  closers.add(() => up.close())
  const g = await tlsGateway('auto', [{ path: '/big', targets: [{ url: up.url }] }])
  // Windows as large as curl's and browsers': the gateway's writes outrun the TLS socket, which takes
  // 16 KiB before it asks its writer to wait; every stream must then be told to go on.
  const session = await h2connect(`https://localhost:${g.port}`, {
    ca: g.ca,
    servername: 'localhost',
    settings: { initialWindowSize: 16 * 1024 * 1024 },
  })
  closers.add(() => session.destroy())
  session.setLocalWindowSize(64 * 1024 * 1024)
  const paths = ['/big/a', '/big/b', '/big/c', '/big/d']
  const pending = Promise.all(paths.map((p) => h2request(session, p)))
  assert.ok(await within(pending, 15_000), 'all four answers complete within 15 s')
  const all = await pending
  all.forEach((r, i) => {
    const want = big(paths[i] as string)
    assert.equal(r.status, 200)
    assert.equal(r.body.length, want.length, paths[i])
    assert.equal(sha256(r.body), sha256(want), paths[i])
  })
})
