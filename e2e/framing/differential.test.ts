// The fast lane and node:http must be indistinguishable on the wire: one corpus of raw requests goes
// once through a gateway with the lane on and once through one with SALLYPORT_FAST_LANE=off, both in
// front of the same raw upstream. Only the Date value, an x-forwarded-for port and generated trace ids
// are normalised; every other byte the upstream and the clients receive must be the same.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type Bytes,
  finalResponses,
  type Lane,
  LANES,
  type LaneGateway,
  parseResponses,
  rawRequest,
  type RawUpstream,
  show,
  startLaneGateway,
  startRawUpstream,
} from './raw.ts'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`
const TP = `traceparent: ${TRACEPARENT}\r\n`
const H = `Host: gw.test\r\n${TP}`

interface Entry {
  readonly name: string
  readonly bytes: Bytes
  /** Request methods in order (HEAD responses have no body). */
  readonly methods: readonly string[]
}

const get = (path: string, extra = '', version = 'HTTP/1.1') => `GET ${path} ${version}\r\n${H}${extra}\r\n`

const CORPUS: readonly Entry[] = [
  { name: 'plain GET', bytes: get('/cl/plain'), methods: ['GET'] },
  { name: 'GET with a query', bytes: get('/cl/q?a=1&b=two%20words&c='), methods: ['GET'] },
  {
    name: 'three pipelined GETs in one write',
    bytes: get('/cl/p1') + get('/chunked/p2') + get('/empty/p3'),
    methods: ['GET', 'GET', 'GET'],
  },
  {
    name: 'repeated Accept lines',
    bytes: get('/cl/accept', 'Accept: text/html\r\nAccept: application/json\r\n'),
    methods: ['GET'],
  },
  {
    name: 'empty header values',
    bytes: get('/cl/empty-value', 'X-Empty:\r\nX-Empty-Too: \r\n'),
    methods: ['GET'],
  },
  { name: 'tab as OWS', bytes: get('/cl/tab', 'X-Tab:\tvalue\t\r\n'), methods: ['GET'] },
  {
    name: 'mixed-case names',
    bytes: get('/cl/case', 'X-MiXeD-CaSe: Yes\r\nuSeR-aGeNt: raw/1\r\n'),
    methods: ['GET'],
  },
  { name: 'an ~8 KiB header', bytes: get('/cl/long', `X-Long: ${'L'.repeat(8000)}\r\n`), methods: ['GET'] },
  { name: 'HEAD', bytes: `HEAD /cl/head HTTP/1.1\r\n${H}\r\n`, methods: ['HEAD'] },
  { name: 'HTTP/1.0 GET', bytes: get('/cl/ten', '', 'HTTP/1.0'), methods: ['GET'] },
  {
    name: 'HTTP/1.0 GET with keep-alive',
    bytes: get('/cl/ten-ka', 'Connection: keep-alive\r\n', 'HTTP/1.0'),
    methods: ['GET'],
  },
  {
    name: 'POST with a Content-Length body',
    bytes: `POST /post/cl HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{"a":"hello"}`,
    methods: ['POST'],
  },
  {
    name: 'POST with a chunked body and chunk extensions',
    bytes: `POST /post/chunked HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6;name="v"\r\n world\r\n0\r\n\r\n`,
    methods: ['POST'],
  },
  {
    name: 'PUT without Expect',
    bytes: `PUT /put/x HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`,
    methods: ['PUT'],
  },
  { name: 'GET with Connection: close', bytes: get('/cl/close', 'Connection: close\r\n'), methods: ['GET'] },
  {
    name: 'absolute-form GET',
    bytes: `GET http://gw.test/cl/abs?x=1 HTTP/1.1\r\n${H}\r\n`,
    methods: ['GET'],
  },
  { name: 'GET answered chunked', bytes: get('/chunked/c'), methods: ['GET'] },
  { name: 'GET answered 204', bytes: get('/empty/e'), methods: ['GET'] },
  { name: 'DELETE', bytes: `DELETE /cl/d HTTP/1.1\r\n${H}\r\n`, methods: ['DELETE'] },
  {
    name: 'browser-like GET',
    bytes: get(
      '/cl/browser',
      'User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n' +
        'Accept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nCache-Control: no-cache\r\n',
    ),
    methods: ['GET'],
  },
  { name: 'two Cookie lines', bytes: get('/cl/cookies', 'Cookie: a=1\r\nCookie: b=2\r\n'), methods: ['GET'] },
  {
    name: 'a prior X-Forwarded-For',
    bytes: get('/cl/xff', 'X-Forwarded-For: 10.0.0.1\r\n'),
    methods: ['GET'],
  },
]

/** Fixed bytes per path: Content-Length, chunked or 204 answers. */
function answer(method: string, target: string): string {
  if (method === 'POST' || method === 'PUT')
    return 'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\ncreated'
  if (target.includes('/chunked/'))
    return 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n'
  if (target.includes('/empty/')) return 'HTTP/1.1 204 No Content\r\nX-Reply: empty\r\n\r\n'
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Reply: cl\r\nContent-Length: 12\r\n\r\n'
  return method === 'HEAD' ? head : `${head}hello, world`
}

interface Run {
  /** What the upstream received for the entry (all its requests, in order). */
  readonly upstream: Buffer
  readonly upstreamTraceparents: (string | undefined)[]
  readonly client: Buffer
  readonly closedByServer: boolean
}

/** Date value, an x-forwarded-for port, generated traceparents/trace ids: the only things normalised. */
function normalise(buf: Buffer): string {
  return buf
    .toString('latin1')
    .replace(/(^|\r\n)(date:[ \t]*)[^\r\n]*/gi, '$1$2<date>')
    .replace(/(^|\r\n)(x-forwarded-for:[^\r\n]*?\d+\.\d+\.\d+\.\d+):\d+/gi, '$1$2')
    .replace(/00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}/g, (m, id: string) =>
      id === TRACE_ID ? m : '<generated traceparent>',
    )
    .replace(/("traceId"\s*:\s*")([0-9a-f]{32})"/g, (m, pre: string, id: string) =>
      id === TRACE_ID ? m : `${pre}<generated>"`,
    )
}

/** A line diff (LCS over the `show()` lines) of two transcripts. */
function lineDiff(a: string, b: string): string {
  const x = show(Buffer.from(a, 'latin1'), 20_000).split('\n')
  const y = show(Buffer.from(b, 'latin1'), 20_000).split('\n')
  const n = x.length
  const m = y.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      (lcs[i] as number[])[j] =
        x[i] === y[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, (lcs[i] as number[])[j + 1] as number)
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.push(`    ${x[i]}`)
      i++
      j++
    } else if (
      i < n &&
      (j >= m || ((lcs[i + 1] as number[])[j] as number) >= ((lcs[i] as number[])[j + 1] as number))
    ) {
      out.push(`  - ${x[i]}`)
      i++
    } else {
      out.push(`  + ${y[j]}`)
      j++
    }
  }
  return out.map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l)).join('\n')
}

function compare(what: string, pick: (r: Run) => string, runs: Record<Lane, Run[]>): void {
  const diffs: string[] = []
  CORPUS.forEach((entry, k) => {
    const on = pick(runs.on[k] as Run)
    const off = pick(runs.off[k] as Run)
    if (on !== off) diffs.push(`### ${entry.name}  (- fast lane on, + fast lane off)\n${lineDiff(on, off)}`)
  })
  assert.ok(
    diffs.length === 0,
    `${what} differ for ${diffs.length} of ${CORPUS.length} requests:\n\n${diffs.join('\n\n')}`,
  )
}

describe('differential: fast lane on vs SALLYPORT_FAST_LANE=off', () => {
  let up: RawUpstream
  const gateways: LaneGateway[] = []
  const runs: Record<Lane, Run[]> = { on: [], off: [] }

  before(async () => {
    up = await startRawUpstream((req) => answer(req.method, req.target))
    for (const lane of LANES) {
      const gw = await startLaneGateway(lane, { routes: [{ path: '/', targets: [{ url: up.url }] }] })
      gateways.push(gw)
      for (const entry of CORPUS) {
        const from = up.requests.length
        const r = await rawRequest(gw.port, entry.bytes, {
          until: finalResponses(entry.methods.length, { methods: entry.methods }),
          quietMs: 400,
          graceMs: 150,
          maxMs: 3000,
        })
        const got = up.requests.slice(from)
        runs[lane].push({
          upstream: Buffer.concat(got.map((q) => q.raw)),
          upstreamTraceparents: got.map((q) => q.header('traceparent')),
          client: r.bytes,
          closedByServer: r.closedByServer,
        })
      }
    }
  })

  after(async () => {
    for (const gw of gateways) await gw.close()
    await up?.close()
  })

  test('the upstream receives byte-identical requests from both front-ends', () => {
    compare('the bytes the upstream received', (r) => normalise(r.upstream), runs)
  })

  test('clients receive byte-identical responses from both front-ends (and the same close)', () => {
    compare(
      'the bytes the clients received',
      (r) => `${normalise(r.client)}\n[${r.closedByServer ? 'closed by the server' : 'left open'}]`,
      runs,
    )
  })

  test('every request reaches the upstream with the client’s traceparent, and every answer is well framed', () => {
    for (const lane of LANES) {
      CORPUS.forEach((entry, k) => {
        const run = runs[lane][k] as Run
        assert.ok(
          run.upstreamTraceparents.length > 0,
          `${entry.name} (lane ${lane}): nothing reached the upstream`,
        )
        for (const tp of run.upstreamTraceparents)
          assert.equal(tp, TRACEPARENT, `${entry.name} (lane ${lane})`)
        const rs = parseResponses(run.client, { methods: entry.methods })
        assert.equal(rs.length, entry.methods.length, `${entry.name} (lane ${lane}):\n${show(run.client)}`)
      })
    }
  })
})
