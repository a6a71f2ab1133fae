// RFC 9113 (HTTP/2) and RFC 7541 (HPACK) conformance of the gateway's client-facing HTTP/2 side, and the
// attacks a client can try on it, in exact frames. One real gateway process (the CLI, h2c with prior
// knowledge, --no-discovery) in front of one echo upstream that answers "METHOD PATH\nBODY", so every
// answer names the request it belongs to. After every error the gateway must still serve a fresh
// connection: a crash is the worst outcome. RFC 9113 §5.4 lets an endpoint treat any stream error as a
// connection error, so where a stream error is asked for, a GOAWAY with the same code is accepted too.
// §5.1.1 (stream id limits on a reset stream) and §5.1.2 (concurrent streams) are in limits.test.ts.
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, type TestContext, test } from 'node:test'
import { type RunningCli, startCli } from '../cli/run-cli.ts'
import { bodyOf, type Fixture, startFixture } from '../fixtures/upstreams.ts'
import {
  ERROR,
  FLAG,
  FRAME,
  type Frame,
  frame,
  headerBlock,
  PREFACE,
  RawH2,
  requestHeaders,
  rstStream,
  SETTING,
  settingsFrame,
  settingsOf,
  windowUpdate,
} from './frames.ts'
import { Closers, h2get, sleep } from './helpers.ts'

const closers = new Closers()
let gateway: RunningCli
let up: Fixture
let port = 0
let authority = ''
let dir = ''
/** Request bodies the upstream read to their end, by path. */
const completed = new Map<string, string>()
/** The request headers the upstream saw, by path. */
const headersSeen = new Map<string, IncomingHttpHeaders>()
/** The request header lines the upstream saw (name, value, name, value…), by path. */
const rawHeadersSeen = new Map<string, string[]>()

before(async () => {
  up = await startFixture((req, res) => {
    const body = bodyOf(req).toString('latin1')
    completed.set(req.url ?? '', body)
    headersSeen.set(req.url ?? '', req.headers)
    rawHeadersSeen.set(req.url ?? '', req.rawHeaders)
    const query = new URL(req.url ?? '/', 'http://x').searchParams
    const times = Number(query.get('times') ?? 1)
    // `parts`: the answer goes out in that many writes, 2 ms apart (answers of streams that run at
    // the same time then reach the gateway interleaved, whatever its scheduling).
    const parts = Number(query.get('parts') ?? 1)
    const answer = Buffer.from(`${req.method} ${req.url}\n${body}`.repeat(times), 'latin1')
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(answer.length) })
    const step = Math.ceil(answer.length / parts)
    const send = (at: number): void => {
      if (at + step >= answer.length) {
        res.end(answer.subarray(at))
        return
      }
      res.write(answer.subarray(at, at + step))
      setTimeout(() => send(at + step), 2)
    }
    send(0)
  })
  closers.add(() => up.close())
  // An upstream that accepts and never reads: the gateway's writes to it back up.
  const stalled = new Set<Socket>()
  const stall = createServer((s) => {
    s.pause()
    stalled.add(s)
  })
  await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve))
  closers.add(
    () =>
      new Promise<void>((resolve) => {
        for (const s of stalled) s.destroy()
        stall.close(() => resolve())
      }),
  )
  const stallUrl = `http://127.0.0.1:${(stall.address() as AddressInfo).port}`
  dir = await mkdtemp(join(tmpdir(), 'sallyport-h2conf-'))
  closers.add(() => rm(dir, { recursive: true, force: true }))
  const config = join(dir, 'sallyport.json')
  await writeFile(
    config,
    JSON.stringify({
      routes: [
        { path: '/e', targets: [{ url: up.url }] },
        { path: '/stall', targets: [{ url: stallUrl }] },
      ],
    }),
  )
  gateway = await startCli([
    '--config',
    config,
    '--port',
    '0',
    '--no-discovery',
    '--data-dir',
    join(dir, 'data'),
  ])
  closers.add(async () => {
    await gateway.stop('SIGKILL')
  })
  port = Number(new URL(gateway.url).port)
  authority = `127.0.0.1:${port}`
})
after(() => closers.run())

/** The gateway process is alive and a fresh connection gets a route's answer. */
async function servesFresh(): Promise<void> {
  assert.equal(gateway.child.exitCode, null, `the gateway exited: ${gateway.output().slice(-2000)}`)
  const r = await h2get(gateway.url, '/e/alive', { timeoutMs: 5000 })
  assert.equal(r.status, 200)
  assert.equal(r.text, 'GET /e/alive\n')
}

/** A raw connection whose SETTINGS exchange is done, closed after the file. */
async function session(settings: readonly (readonly [number, number])[] = []): Promise<RawH2> {
  const c = await RawH2.session(port, settings)
  closers.add(() => c.close())
  return c
}

const get = (id: number, path: string, extra: [string, string][] = []): Buffer =>
  requestHeaders(id, { path, authority, extra })
const post = (id: number, path: string, extra: [string, string][] = []): Buffer =>
  requestHeaders(id, { method: 'POST', path, authority, extra, endStream: false })
const data = (id: number, payload: Buffer | string, flags = 0): Buffer =>
  frame(FRAME.DATA, flags, id, Buffer.from(payload))
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0, 0)
  return b
}
const ping = (bytes: Buffer, flags = 0, streamId = 0): Buffer => frame(FRAME.PING, flags, streamId, bytes)
/** HEADERS with exactly `fields` (no pseudo-header added), END_HEADERS and `flags`. */
const fieldsFrame = (id: number, fields: [string, string][], flags = FLAG.END_STREAM): Buffer =>
  frame(FRAME.HEADERS, FLAG.END_HEADERS | flags, id, headerBlock(fields))
const requestFields = (path: string, method = 'GET'): [string, string][] => [
  [':method', method],
  [':scheme', 'http'],
  [':authority', authority],
  [':path', path],
]

/** A header block as HEADERS (END_STREAM) and as many CONTINUATION frames as 16,384-octet frames need. */
function headerFrames(id: number, block: Buffer): Buffer {
  const parts: Buffer[] = []
  for (let at = 0; at < block.length; at += 16384) {
    const flags = at + 16384 >= block.length ? FLAG.END_HEADERS : 0
    const piece = block.subarray(at, at + 16384)
    parts.push(
      at === 0
        ? frame(FRAME.HEADERS, flags | FLAG.END_STREAM, id, piece)
        : frame(FRAME.CONTINUATION, flags, id, piece),
    )
  }
  return Buffer.concat(parts)
}

const codeName = (code: number | undefined): string =>
  code === undefined
    ? 'none'
    : (Object.entries(ERROR).find(([, v]) => v === code)?.[0] ?? `0x${code.toString(16)}`)

function seen(c: RawH2): string {
  return JSON.stringify({
    goaway: c.goaways().map((g) => codeName(g.code)),
    resets: [...c.resets()].map(([id, code]) => `${id}:${codeName(code)}`),
    statuses: [...c.statuses()],
    closed: c.closed,
  })
}

/** A connection error: GOAWAY with `code`, then the gateway closes the connection. */
async function connectionError(c: RawH2, code: number): Promise<void> {
  await c.waitFor(() => c.goaway !== undefined, 3000)
  assert.equal(codeName(c.goaway?.code), codeName(code), seen(c))
  assert.ok(await c.waitFor(() => c.closed, 3000), 'the gateway closed the connection after its GOAWAY')
  await servesFresh()
}

/** A stream error on `id` (RST_STREAM `code`), or the same code as a connection error (RFC 9113 §5.4). */
async function streamError(t: TestContext, c: RawH2, id: number, code: number): Promise<void> {
  await c.waitFor(() => c.resets().has(id) || c.goaway !== undefined || c.closed, 3000)
  const reset = c.resets().get(id)
  t.diagnostic(`got: ${seen(c)}`)
  assert.equal(codeName(reset ?? c.goaway?.code), codeName(code), seen(c))
  await servesFresh()
}

/**
 * Sends a malformed request (RFC 9113 §8.1.1) as `bytes`: RST_STREAM PROTOCOL_ERROR, or an HTTP 400
 * answer, or GOAWAY PROTOCOL_ERROR (§5.4) comes back. The upstream never gets the request, or with
 * `streamed` (the fault is in the trailers), never gets its whole body.
 */
async function malformed(
  t: TestContext,
  c: RawH2,
  id: number,
  bytes: Buffer,
  streamed = false,
): Promise<void> {
  const hits = up.hits
  const done = completed.size
  c.write(bytes)
  await c.waitFor(() => c.resets().has(id) || c.ended().has(id) || c.goaway !== undefined || c.closed, 3000)
  const status = c.statuses().get(id)
  const reset = c.resets().get(id)
  t.diagnostic(`got: ${seen(c)}`)
  assert.ok(
    status === 400 ||
      reset === ERROR.PROTOCOL_ERROR ||
      (reset === undefined && c.goaway?.code === ERROR.PROTOCOL_ERROR),
    `not treated as malformed: ${seen(c)}`,
  )
  await sleep(50)
  assert.equal(completed.size, done, 'the upstream read a whole request')
  if (!streamed) assert.equal(up.hits, hits, 'the upstream got the request')
  await servesFresh()
}

/** A request on `id` answered 200 with the echo of `method path body`. */
async function answered(c: RawH2, id: number, path: string, method = 'GET', body = ''): Promise<void> {
  await c.waitFor(() => c.ended().has(id) || c.resets().has(id) || c.closed, 5000)
  assert.equal(c.statuses().get(id), 200, seen(c))
  assert.equal(c.body(id).toString('latin1'), `${method} ${path}\n${body}`)
}

/** Resolves after `ms` with nothing in `c` matching `check` (the gateway stayed silent). */
async function silentFor(c: RawH2, check: () => boolean, ms: number): Promise<void> {
  assert.equal(await c.waitFor(check, ms), false, seen(c))
}

test('RFC 9113 §3.4: the first frame after the preface is PING, not SETTINGS → GOAWAY PROTOCOL_ERROR (or close)', async (t) => {
  const c = await RawH2.connectWith(port, Buffer.concat([PREFACE, ping(Buffer.alloc(8))]))
  closers.add(() => c.close())
  assert.ok(await c.waitFor(() => c.goaway !== undefined || c.closed, 3000), seen(c))
  t.diagnostic(`got: ${seen(c)}`)
  assert.ok(c.goaway === undefined || c.goaway.code === ERROR.PROTOCOL_ERROR, seen(c))
  assert.equal(
    c.frames.some((f) => f.type === FRAME.PING && f.flags & FLAG.ACK),
    false,
    'the PING was not answered',
  )
  await servesFresh()
})

test('RFC 9113 §4.1: an unknown frame type, unknown flags and the reserved stream-id bit are ignored', async () => {
  const c = await session()
  const unknownType = frame(0xfa, 0xff, 0, Buffer.from('ignore me'))
  const unknownTypeOnStream = frame(0xfb, 0, 1, Buffer.from('me too'))
  // PING with every flag but ACK set.
  const pingFlags = ping(Buffer.from('flagged!'), 0xfe)
  // HEADERS with END_STREAM|END_HEADERS and the four undefined flags (0x2, 0x10, 0x40, 0x80).
  const head = get(1, '/e/reserved')
  head[4] = (head[4] as number) | 0xd2
  head[5] = (head[5] as number) | 0x80 // the reserved bit of the stream id
  c.write(Buffer.concat([unknownType, unknownTypeOnStream, pingFlags, head]))
  await answered(c, 1, '/e/reserved')
  const ack = c.frames.find((f) => f.type === FRAME.PING && f.flags & FLAG.ACK)
  assert.equal(ack?.payload.toString('latin1'), 'flagged!')
  assert.equal(c.goaway, undefined)
  await servesFresh()
})

test('RFC 9113 §4.2: DATA larger than SETTINGS_MAX_FRAME_SIZE (16384) → FRAME_SIZE_ERROR (stream or connection)', async (t) => {
  const c = await session()
  c.write(Buffer.concat([post(1, '/e/big-data'), data(1, Buffer.alloc(16385, 0x61), FLAG.END_STREAM)]))
  await streamError(t, c, 1, ERROR.FRAME_SIZE_ERROR)
  assert.equal(completed.has('/e/big-data'), false)
})

test('RFC 9113 §4.2: HEADERS larger than SETTINGS_MAX_FRAME_SIZE → connection FRAME_SIZE_ERROR', async () => {
  const c = await session()
  const fields: [string, string][] = [...requestFields('/e/big-headers'), ['x-big', 'b'.repeat(17000)]]
  c.write(fieldsFrame(1, fields))
  await connectionError(c, ERROR.FRAME_SIZE_ERROR)
  assert.equal(completed.has('/e/big-headers'), false)
})

test('RFC 9113 §4.3 / RFC 7541 §2.3.3: a header block indexing past both tables → GOAWAY COMPRESSION_ERROR', async () => {
  const c = await session()
  // 0xc6: indexed field 70; the static table ends at 61 and the dynamic table is empty.
  c.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, Buffer.from([0x82, 0xc6])))
  await connectionError(c, ERROR.COMPRESSION_ERROR)
})

test('RFC 7541 §6.1: indexed field 0 → GOAWAY COMPRESSION_ERROR', async () => {
  const c = await session()
  c.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, Buffer.from([0x80])))
  await connectionError(c, ERROR.COMPRESSION_ERROR)
})

test('RFC 7541 §4.2/§6.3: a dynamic table size update above SETTINGS_HEADER_TABLE_SIZE (4096) → GOAWAY COMPRESSION_ERROR', async () => {
  const c = await session()
  // 001xxxxx with a 5-bit prefix: 8192 = 31 + 8161 (0xe1 0x3f).
  const update = Buffer.from([0x3f, 0xe1, 0x3f])
  c.write(
    frame(
      FRAME.HEADERS,
      FLAG.END_HEADERS | FLAG.END_STREAM,
      1,
      Buffer.concat([update, headerBlock(requestFields('/e/table-8k'))]),
    ),
  )
  await connectionError(c, ERROR.COMPRESSION_ERROR)
  assert.equal(completed.has('/e/table-8k'), false)
})

test('RFC 7541 §5.2: a Huffman string that contains EOS → GOAWAY COMPRESSION_ERROR', async () => {
  const c = await session()
  // A literal field with a new name whose 4-octet Huffman name is all ones: the 30-bit EOS code.
  const field = Buffer.from([0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01, 0x61])
  c.write(
    frame(
      FRAME.HEADERS,
      FLAG.END_HEADERS | FLAG.END_STREAM,
      1,
      Buffer.concat([headerBlock(requestFields('/e/eos')), field]),
    ),
  )
  await connectionError(c, ERROR.COMPRESSION_ERROR)
  assert.equal(completed.has('/e/eos'), false)
})

test('RFC 7541 §2.3.2/§6.2.1: a field indexed into the dynamic table by one request is found by the next', async () => {
  const c = await session()
  // Literal with incremental indexing, new name (01000000): it becomes dynamic index 62.
  const x = Buffer.concat([
    Buffer.from([0x40, 5]),
    Buffer.from('x-tag'),
    Buffer.from([9]),
    Buffer.from('remembers'),
  ])
  const block = (path: string, tail: Buffer) => Buffer.concat([headerBlock(requestFields(path)), tail])
  c.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, block('/e/hpack-1', x)))
  await answered(c, 1, '/e/hpack-1')
  assert.equal(headersSeen.get('/e/hpack-1')?.['x-tag'], 'remembers')
  c.write(
    frame(
      FRAME.HEADERS,
      FLAG.END_HEADERS | FLAG.END_STREAM,
      3,
      block('/e/hpack-2', Buffer.from([0x80 | 62])),
    ),
  )
  await answered(c, 3, '/e/hpack-2')
  assert.equal(headersSeen.get('/e/hpack-2')?.['x-tag'], 'remembers')
})

test('RFC 7541 §7.3: an HPACK bomb (one 4 KiB dynamic entry referenced 4,000 times: 16 MiB decoded from 8 KiB) is refused; memory stays bounded', async (t) => {
  const c = await session()
  const before = await rss()
  const entry = Buffer.concat([
    Buffer.from([0x40, 6]),
    Buffer.from('x-bomb'),
    Buffer.from([0x7f, 0x81, 0x1f]),
  ])
  // 0x7f 0x81 0x1f: a 7-bit-prefix length of 127 + 1 + 31·128 = 4096.
  const value = Buffer.alloc(4096, 0x62)
  const block = Buffer.concat([
    headerBlock(requestFields('/e/bomb')),
    entry,
    value,
    Buffer.alloc(4000, 0x80 | 62),
  ])
  c.write(headerFrames(1, block))
  await c.waitFor(() => c.resets().has(1) || c.ended().has(1) || c.goaway !== undefined || c.closed, 5000)
  t.diagnostic(`got: ${seen(c)}`)
  const status = c.statuses().get(1)
  assert.ok(c.resets().has(1) || c.goaway !== undefined || c.closed || status === 431, seen(c))
  assert.equal(completed.has('/e/bomb'), false)
  const grown = (await rss()) - before
  assert.ok(grown < 64 * 1048576, `the gateway grew by ${(grown / 1048576).toFixed(1)} MiB`)
  await servesFresh()
})

test('RFC 9113 §5.1: DATA on an idle stream → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(data(1, 'idle', FLAG.END_STREAM))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §5.1/§6.1: DATA after the client END_STREAM (half-closed remote) → STREAM_CLOSED (stream or connection)', async (t) => {
  const c = await session()
  c.write(Buffer.concat([get(1, '/e/half-closed-data'), data(1, 'late', FLAG.END_STREAM)]))
  await streamError(t, c, 1, ERROR.STREAM_CLOSED)
})

test('RFC 9113 §5.1: HEADERS after the client END_STREAM (half-closed remote) → STREAM_CLOSED (stream or connection)', async (t) => {
  const c = await session()
  c.write(Buffer.concat([get(1, '/e/half-closed-headers'), fieldsFrame(1, [['x-late', '1']])]))
  await streamError(t, c, 1, ERROR.STREAM_CLOSED)
})

test('RFC 9113 §6.1: DATA on a stream the client reset (closed) → STREAM_CLOSED (stream or connection)', async (t) => {
  const c = await session()
  c.write(
    Buffer.concat([post(1, '/e/after-reset'), rstStream(1, ERROR.CANCEL), data(1, 'late', FLAG.END_STREAM)]),
  )
  await streamError(t, c, 1, ERROR.STREAM_CLOSED)
})

test('RFC 9113 §5.1.1: an even stream id from the client → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(get(2, '/e/even'))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/even'), false)
})

test('RFC 9113 §5.1.1: a stream id lower than one already used → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(get(5, '/e/five'))
  await answered(c, 5, '/e/five')
  c.write(get(3, '/e/three'))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/three'), false)
})

test('RFC 9113 §6.1: DATA on stream 0 → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(data(0, 'zero'))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §6.1: pad length ≥ the DATA payload length → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  // Pad length 5, but only 2 octets follow it.
  c.write(Buffer.concat([post(1, '/e/bad-pad'), data(1, Buffer.from([5, 0x61, 0x62]), FLAG.PADDED)]))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/bad-pad'), false)
})

test('RFC 9113 §6.1: padded DATA is accepted and its padding not forwarded', async () => {
  const c = await session()
  const padded = Buffer.concat([Buffer.from([40]), Buffer.from('exact body'), Buffer.alloc(40, 0x50)])
  const empty = Buffer.from([0]) // PADDED with a pad length of 0 and no data
  c.write(
    Buffer.concat([
      post(1, '/e/padded', [['content-length', '10']]),
      data(1, empty, FLAG.PADDED),
      data(1, padded, FLAG.PADDED | FLAG.END_STREAM),
    ]),
  )
  await answered(c, 1, '/e/padded', 'POST', 'exact body')
  assert.equal(completed.get('/e/padded'), 'exact body')
})

test('RFC 9113 §6.2: HEADERS on stream 0 → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(fieldsFrame(0, requestFields('/e/zero')))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/zero'), false)
})

test('RFC 9113 §5.3.1/§6.2: HEADERS whose PRIORITY depends on its own stream → PROTOCOL_ERROR (stream or connection)', async (t) => {
  const c = await session()
  const block = headerBlock(requestFields('/e/self-dep'))
  const priority = Buffer.concat([u32(1), Buffer.from([15])])
  c.write(
    frame(
      FRAME.HEADERS,
      FLAG.END_HEADERS | FLAG.END_STREAM | FLAG.PRIORITY,
      1,
      Buffer.concat([priority, block]),
    ),
  )
  await streamError(t, c, 1, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/self-dep'), false)
})

test('RFC 9113 §6.2: HEADERS with PADDED and PRIORITY flags is served', async () => {
  const c = await session()
  const block = headerBlock(requestFields('/e/padded-priority'))
  const payload = Buffer.concat([
    Buffer.from([7]),
    u32(0x80000000),
    Buffer.from([200]),
    block,
    Buffer.alloc(7),
  ])
  c.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM | FLAG.PADDED | FLAG.PRIORITY, 1, payload))
  await answered(c, 1, '/e/padded-priority')
})

test('RFC 9113 §6.3: PRIORITY of 4 octets → FRAME_SIZE_ERROR (stream or connection)', async (t) => {
  const c = await session()
  c.write(frame(FRAME.PRIORITY, 0, 1, u32(0)))
  await streamError(t, c, 1, ERROR.FRAME_SIZE_ERROR)
})

test('RFC 9113 §6.3: PRIORITY for idle streams is accepted; the streams open later as usual', async () => {
  const c = await session()
  const prio = (id: number, dep: number) =>
    frame(FRAME.PRIORITY, 0, id, Buffer.concat([u32(dep), Buffer.from([9])]))
  c.write(Buffer.concat([prio(3, 0), prio(9, 3)]))
  c.write(Buffer.concat([get(1, '/e/prio-1'), get(3, '/e/prio-3')]))
  await answered(c, 1, '/e/prio-1')
  await answered(c, 3, '/e/prio-3')
  assert.equal(c.goaway, undefined)
})

test('RFC 9113 §6.4: RST_STREAM on stream 0 → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(rstStream(0, ERROR.CANCEL))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §6.4: RST_STREAM on an idle stream → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(rstStream(1, ERROR.CANCEL))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §6.4: RST_STREAM of 3 octets → GOAWAY FRAME_SIZE_ERROR', async () => {
  const c = await session()
  c.write(Buffer.concat([post(1, '/e/rst-size'), frame(FRAME.RST_STREAM, 0, 1, Buffer.alloc(3))]))
  await connectionError(c, ERROR.FRAME_SIZE_ERROR)
})

for (const [title, bytes, code] of [
  [
    'SETTINGS ACK with a payload → GOAWAY FRAME_SIZE_ERROR',
    frame(FRAME.SETTINGS, FLAG.ACK, 0, Buffer.alloc(6)),
    ERROR.FRAME_SIZE_ERROR,
  ],
  ['SETTINGS on stream 1 → GOAWAY PROTOCOL_ERROR', frame(FRAME.SETTINGS, 0, 1), ERROR.PROTOCOL_ERROR],
  [
    'SETTINGS of 7 octets (not a multiple of 6) → GOAWAY FRAME_SIZE_ERROR',
    frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(7)),
    ERROR.FRAME_SIZE_ERROR,
  ],
  [
    'SETTINGS_ENABLE_PUSH 2 → GOAWAY PROTOCOL_ERROR',
    settingsFrame([[SETTING.ENABLE_PUSH, 2]]),
    ERROR.PROTOCOL_ERROR,
  ],
  [
    'SETTINGS_INITIAL_WINDOW_SIZE 2^31 → GOAWAY FLOW_CONTROL_ERROR',
    settingsFrame([[SETTING.INITIAL_WINDOW_SIZE, 2 ** 31]]),
    ERROR.FLOW_CONTROL_ERROR,
  ],
  [
    'SETTINGS_MAX_FRAME_SIZE 16383 → GOAWAY PROTOCOL_ERROR',
    settingsFrame([[SETTING.MAX_FRAME_SIZE, 16383]]),
    ERROR.PROTOCOL_ERROR,
  ],
  [
    'SETTINGS_MAX_FRAME_SIZE 2^24 → GOAWAY PROTOCOL_ERROR',
    settingsFrame([[SETTING.MAX_FRAME_SIZE, 2 ** 24]]),
    ERROR.PROTOCOL_ERROR,
  ],
] as const) {
  test(`RFC 9113 §6.5: ${title}`, async () => {
    const c = await session()
    c.write(bytes)
    await connectionError(c, code)
  })
}

test('RFC 9113 §6.5/§6.5.3: an unknown setting is ignored and the gateway ACKs each client SETTINGS', async () => {
  const c = await session()
  const acks = () => c.frames.filter((f) => f.type === FRAME.SETTINGS && f.flags & FLAG.ACK).length
  assert.ok(await c.waitFor(() => acks() === 1, 3000), 'the preface SETTINGS were acknowledged')
  c.write(
    settingsFrame([
      [0xfe, 12345],
      [SETTING.HEADER_TABLE_SIZE, 4096],
    ]),
  )
  assert.ok(await c.waitFor(() => acks() === 2, 3000), seen(c))
  const ack = c.frames.filter((f) => f.type === FRAME.SETTINGS && f.flags & FLAG.ACK)[1]
  assert.equal(ack?.payload.length, 0, 'a SETTINGS ACK is empty')
  c.write(get(1, '/e/unknown-setting'))
  await answered(c, 1, '/e/unknown-setting')
  assert.equal(c.goaway, undefined)
})

test('RFC 9113 §6.5.3/§6.9.2: with INITIAL_WINDOW_SIZE 0 the gateway sends HEADERS, no DATA until a WINDOW_UPDATE, then exactly the body', async () => {
  const c = await session([[SETTING.INITIAL_WINDOW_SIZE, 0]])
  c.grantWindow = false
  const path = '/e/window-0?times=40'
  c.write(get(1, path))
  assert.ok(await c.waitFor(() => c.statuses().get(1) === 200, 5000), seen(c))
  await silentFor(c, () => c.frames.some((f) => f.type === FRAME.DATA && f.payload.length > 0), 400)
  // 100 octets for the stream: exactly that much DATA, then silence again.
  c.write(windowUpdate(1, 100))
  assert.ok(await c.waitFor(() => c.body(1).length >= 100, 3000), seen(c))
  await sleep(200)
  assert.equal(c.body(1).length, 100)
  // The rest: a window large enough for all of it.
  c.write(Buffer.concat([windowUpdate(0, 1 << 20), windowUpdate(1, 1 << 20)]))
  assert.ok(await c.waitFor(() => c.ended().has(1), 5000), seen(c))
  assert.equal(c.body(1).toString('latin1'), `GET ${path}\n`.repeat(40))
})

test('RFC 9113 §6.9.2: SETTINGS lowering INITIAL_WINDOW_SIZE mid-stream makes the stream window negative; DATA waits until it is positive', async () => {
  const c = await session()
  c.grantWindow = false
  c.write(windowUpdate(0, 1 << 24))
  const path = '/e/negative?times=5000'
  const whole = `GET ${path}\n`.repeat(5000)
  c.write(get(1, path))
  assert.ok(await c.waitFor(() => c.body(1).length >= 65535, 5000), seen(c))
  await sleep(200)
  assert.equal(c.body(1).length, 65535, 'the default stream window')
  // 1000 − 65535: the window is now −64535.
  const acks = () => c.frames.filter((f) => f.type === FRAME.SETTINGS && f.flags & FLAG.ACK).length
  const before = acks()
  c.write(settingsFrame([[SETTING.INITIAL_WINDOW_SIZE, 1000]]))
  assert.ok(await c.waitFor(() => acks() > before, 3000), seen(c))
  c.write(windowUpdate(1, 64535)) // back to 0
  await silentFor(c, () => c.body(1).length > 65535, 300)
  c.write(windowUpdate(1, 500))
  assert.ok(await c.waitFor(() => c.body(1).length >= 66035, 3000), seen(c))
  await sleep(200)
  assert.equal(c.body(1).length, 66035)
  c.write(windowUpdate(1, 1 << 24))
  assert.ok(await c.waitFor(() => c.ended().has(1), 5000), seen(c))
  assert.equal(c.body(1).toString('latin1'), whole)
})

test('RFC 9113 §6.7: PING → PING ACK with the same 8 octets', async () => {
  const c = await session()
  c.write(ping(Buffer.from('12345678')))
  assert.ok(await c.waitFor(() => c.frames.some((f) => f.type === FRAME.PING && f.flags & FLAG.ACK), 3000))
  const ack = c.frames.find((f) => f.type === FRAME.PING && f.flags & FLAG.ACK)
  assert.equal(ack?.streamId, 0)
  assert.equal(ack?.payload.toString('latin1'), '12345678')
})

test('RFC 9113 §6.7: a PING ACK from the client gets no answer', async () => {
  const c = await session()
  c.write(ping(Buffer.from('unasked!'), FLAG.ACK))
  c.write(ping(Buffer.from('asked!!!')))
  assert.ok(await c.waitFor(() => c.frames.some((f) => f.type === FRAME.PING), 3000))
  await sleep(200)
  const pings = c.frames.filter((f) => f.type === FRAME.PING).map((f) => f.payload.toString('latin1'))
  assert.deepEqual(pings, ['asked!!!'])
  assert.equal(c.goaway, undefined)
})

test('RFC 9113 §6.7: PING on stream 1 → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(ping(Buffer.alloc(8), 0, 1))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §6.7: PING of 7 octets → GOAWAY FRAME_SIZE_ERROR', async () => {
  const c = await session()
  c.write(ping(Buffer.alloc(7)))
  await connectionError(c, ERROR.FRAME_SIZE_ERROR)
})

test('RFC 9113 §6.8: GOAWAY on stream 1 → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(frame(FRAME.GOAWAY, 0, 1, Buffer.concat([u32(0), u32(0)])))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §6.8: a client GOAWAY (NO_ERROR, last stream 0) does not cut the stream it already opened', async () => {
  const c = await session()
  c.write(
    Buffer.concat([get(1, '/e/before-goaway'), frame(FRAME.GOAWAY, 0, 0, Buffer.concat([u32(0), u32(0)]))]),
  )
  await answered(c, 1, '/e/before-goaway')
  await servesFresh()
})

test('RFC 9113 §6.9: WINDOW_UPDATE with a 0 increment on the connection → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(windowUpdate(0, 0))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §6.9: WINDOW_UPDATE with a 0 increment on a stream → RST_STREAM PROTOCOL_ERROR (or GOAWAY)', async (t) => {
  const c = await session()
  c.write(Buffer.concat([post(1, '/e/wu-0'), windowUpdate(1, 0)]))
  await streamError(t, c, 1, ERROR.PROTOCOL_ERROR)
})

test('RFC 9113 §6.9: WINDOW_UPDATE of 3 octets → GOAWAY FRAME_SIZE_ERROR', async () => {
  const c = await session()
  c.write(frame(FRAME.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1])))
  await connectionError(c, ERROR.FRAME_SIZE_ERROR)
})

test('RFC 9113 §6.9.1: the connection window pushed past 2^31−1 → GOAWAY FLOW_CONTROL_ERROR', async () => {
  const c = await session()
  c.write(windowUpdate(0, 2 ** 31 - 1))
  await connectionError(c, ERROR.FLOW_CONTROL_ERROR)
})

test('RFC 9113 §6.9.1: a stream window pushed past 2^31−1 → RST_STREAM FLOW_CONTROL_ERROR (or GOAWAY)', async (t) => {
  const c = await session()
  c.write(Buffer.concat([post(1, '/e/wu-max'), windowUpdate(1, 2 ** 31 - 1)]))
  await streamError(t, c, 1, ERROR.FLOW_CONTROL_ERROR)
  assert.equal(completed.has('/e/wu-max'), false)
})

/**
 * Sends `body` as DATA on stream `id`, never more than the windows the gateway gave (its
 * SETTINGS_INITIAL_WINDOW_SIZE and WINDOW_UPDATEs, stream and connection), END_STREAM on the last frame if
 * `end`. Stops when all is sent or no window opens within a second; returns the octets sent.
 */
async function sendWithinWindow(c: RawH2, id: number, body: Buffer, end: boolean): Promise<number> {
  const theirs = c.frames.find((f) => f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0) as Frame
  const initial = new Map(settingsOf(theirs)).get(SETTING.INITIAL_WINDOW_SIZE) ?? 65535
  const granted = (stream: number): number =>
    c.frames
      .filter((f) => f.type === FRAME.WINDOW_UPDATE && f.streamId === stream)
      .reduce((sum, f) => sum + (f.payload.readUInt32BE(0) & 0x7fffffff), 0)
  // Only this stream's DATA is in flight on the connection during these tests.
  const window = () => Math.min(65535 + granted(0), initial + granted(id))
  let sent = 0
  const started = performance.now()
  while (sent < body.length && !c.closed && performance.now() - started < 10_000) {
    const room = Math.min(window() - sent, 16384, body.length - sent)
    if (room > 0) {
      const last = sent + room === body.length
      c.write(data(id, body.subarray(sent, sent + room), last && end ? FLAG.END_STREAM : 0))
      sent += room
      await c.drained()
      continue
    }
    const was = window()
    if (!(await c.waitFor(() => window() > was, 1000))) break
  }
  return sent
}

test('RFC 9113 §6.9: a 2 MiB upload sent within the windows the gateway grants arrives intact', async () => {
  const c = await session()
  const body = Buffer.alloc(2 * 1048576)
  for (let i = 0; i < body.length; i++) body[i] = 0x61 + (i % 26)
  c.write(post(1, '/e/upload'))
  assert.equal(
    await sendWithinWindow(c, 1, body, true),
    body.length,
    `the gateway stopped granting: ${seen(c)}`,
  )
  assert.ok(await c.waitFor(() => c.ended().has(1) || c.closed, 10_000), seen(c))
  assert.equal(c.statuses().get(1), 200)
  assert.equal(completed.get('/e/upload'), body.toString('latin1'))
})

test('RFC 9113 §6.9.1: DATA past the window the gateway gave (to an upstream that stopped reading) → FLOW_CONTROL_ERROR (stream or connection)', async (t) => {
  const c = await session()
  c.write(post(1, '/stall/window'))
  // Everything the gateway allows, until it stops granting more (its upstream reads nothing).
  const cap = 16 * 1048576
  const sent = await sendWithinWindow(c, 1, Buffer.alloc(cap, 0x77), false)
  assert.ok(sent < cap, `the gateway granted ${sent} octets for an upstream that reads nothing`)
  t.diagnostic(`the gateway took ${sent} octets for the stalled upstream, then stopped granting`)
  assert.equal(c.resets().size + c.goaways().length, 0, seen(c))
  // One frame past the window.
  c.write(data(1, Buffer.alloc(16384, 0x78)))
  await streamError(t, c, 1, ERROR.FLOW_CONTROL_ERROR)
})

test('RFC 9113 §6.10: CONTINUATION without a HEADERS before it → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  c.write(frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, headerBlock(requestFields('/e/lone'))))
  await connectionError(c, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/lone'), false)
})

test('RFC 9113 §6.10: a PING between HEADERS and its CONTINUATION → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  const block = headerBlock(requestFields('/e/interleaved'))
  c.write(
    Buffer.concat([
      frame(FRAME.HEADERS, FLAG.END_STREAM, 1, block.subarray(0, 10)),
      ping(Buffer.alloc(8)),
      frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, block.subarray(10)),
    ]),
  )
  await connectionError(c, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/interleaved'), false)
})

test('RFC 9113 §6.10: CONTINUATION on another stream than its HEADERS → GOAWAY PROTOCOL_ERROR', async () => {
  const c = await session()
  const block = headerBlock(requestFields('/e/other-stream'))
  c.write(
    Buffer.concat([
      frame(FRAME.HEADERS, FLAG.END_STREAM, 1, block.subarray(0, 10)),
      frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 3, block.subarray(10)),
    ]),
  )
  await connectionError(c, ERROR.PROTOCOL_ERROR)
  assert.equal(completed.has('/e/other-stream'), false)
})

test('RFC 9113 §6.10: a request in HEADERS + 3 CONTINUATION frames is served', async () => {
  const c = await session()
  const block = headerBlock([...requestFields('/e/continued'), ['x-filler', 'f'.repeat(60)]])
  const q = Math.ceil(block.length / 4)
  c.write(
    Buffer.concat([
      frame(FRAME.HEADERS, FLAG.END_STREAM, 1, block.subarray(0, q)),
      frame(FRAME.CONTINUATION, 0, 1, block.subarray(q, 2 * q)),
      frame(FRAME.CONTINUATION, 0, 1, block.subarray(2 * q, 3 * q)),
      frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, block.subarray(3 * q)),
    ]),
  )
  await answered(c, 1, '/e/continued')
})

test('CVE-2024-27316 CONTINUATION flood: HEADERS without END_HEADERS then > 1 MiB of CONTINUATION → the connection is cut before it is all sent', async (t) => {
  const c = await session()
  c.write(frame(FRAME.HEADERS, FLAG.END_STREAM, 1, headerBlock(requestFields('/e/flood'))))
  // Each CONTINUATION carries one valid 16,000-octet field; 1024 of them would be 16 MiB.
  const one = frame(FRAME.CONTINUATION, 0, 1, headerBlock([['x-flood', 'c'.repeat(16000)]]))
  const max = 1024
  let sent = 0
  const started = performance.now()
  while (sent < max && !c.closed && performance.now() - started < 10_000) {
    c.write(one)
    sent++
    if (sent % 8 === 0) {
      await c.drained()
      await sleep(1)
    }
  }
  assert.ok(await c.waitFor(() => c.closed, 5000), `still open after ${sent} CONTINUATION frames: ${seen(c)}`)
  t.diagnostic(
    `cut after ${sent} CONTINUATION frames (${((sent * one.length) / 1048576).toFixed(2)} MiB): ${seen(c)}`,
  )
  assert.ok(sent < max, `all ${sent} frames (${((sent * one.length) / 1048576).toFixed(1)} MiB) were taken`)
  for (const g of c.goaways()) assert.notEqual(g.code, ERROR.NO_ERROR, seen(c))
  assert.equal(completed.has('/e/flood'), false)
  await servesFresh()
})

test('CVE-2024-27316 CONTINUATION flood of EMPTY frames: HEADERS without END_HEADERS then empty CONTINUATION → GOAWAY ENHANCE_YOUR_CALM after a bounded number; memory stays bounded', async (t) => {
  const before = await rss()
  const c = await session()
  c.write(frame(FRAME.HEADERS, FLAG.END_STREAM, 1, headerBlock(requestFields('/e/empty-flood'))))
  // An empty CONTINUATION adds no octet to the header block: only a count of frames can bound it.
  const one = frame(FRAME.CONTINUATION, 0, 1)
  const first = 1000
  c.write(Buffer.concat(Array.from({ length: first }, () => one)))
  const cutEarly = await c.waitFor(() => c.closed, 2000)
  // Not cut: go on (up to 1,000,000 frames, 9 MB) to show what it costs the gateway.
  let sent = first
  const batch = Buffer.concat(Array.from({ length: 50_000 }, () => one))
  const started = performance.now()
  while (!c.closed && sent < 1_000_000 && performance.now() - started < 8000) {
    c.write(batch)
    sent += 50_000
    await c.drained()
  }
  await sleep(300)
  const grown = (await rss()) - before
  t.diagnostic(
    `${sent} empty CONTINUATION frames written; ${seen(c)}; gateway RSS +${(grown / 1048576).toFixed(1)} MiB`,
  )
  assert.equal(cutEarly, true, `still open after ${first} empty CONTINUATION frames: ${seen(c)}`)
  assert.equal(codeName(c.goaway?.code), 'ENHANCE_YOUR_CALM', seen(c))
  assert.ok(grown < 64 * 1048576, `the gateway grew by ${(grown / 1048576).toFixed(1)} MiB`)
  assert.equal(completed.has('/e/empty-flood'), false)
  await servesFresh()
})

test('RFC 9113 §8.1.1: DATA shorter than content-length → RST_STREAM PROTOCOL_ERROR (or GOAWAY); the upstream sees no complete body', async (t) => {
  const c = await session()
  c.write(
    Buffer.concat([post(1, '/e/cl-short', [['content-length', '10']]), data(1, 'abc', FLAG.END_STREAM)]),
  )
  await streamError(t, c, 1, ERROR.PROTOCOL_ERROR)
  await sleep(100)
  assert.equal(completed.has('/e/cl-short'), false)
})

test('RFC 9113 §8.1.1: DATA longer than content-length → RST_STREAM PROTOCOL_ERROR (or GOAWAY); the upstream sees no complete body', async (t) => {
  const c = await session()
  c.write(post(1, '/e/cl-long', [['content-length', '3']]))
  await sleep(100)
  c.write(data(1, 'abcdefghij', FLAG.END_STREAM))
  await c.waitFor(() => c.resets().has(1) || c.goaway !== undefined || c.closed, 3000)
  await sleep(100)
  const body = completed.get('/e/cl-long')
  assert.ok(body === undefined, `the upstream read a body ${JSON.stringify(body)}`)
  await streamError(t, c, 1, ERROR.PROTOCOL_ERROR)
})

for (const [title, fields] of [
  ['an upper-case field name', [['X-Upper', '1']]],
  ['connection: keep-alive', [['connection', 'keep-alive']]],
  ['te: gzip', [['te', 'gzip']]],
  ['keep-alive: 5', [['keep-alive', '5']]],
  ['proxy-connection: keep-alive', [['proxy-connection', 'keep-alive']]],
  ['transfer-encoding: chunked', [['transfer-encoding', 'chunked']]],
  ['upgrade: websocket', [['upgrade', 'websocket']]],
] as [string, [string, string][]][]) {
  test(`RFC 9113 §8.2/§8.2.2: ${title} → malformed (RST_STREAM PROTOCOL_ERROR, or 400)`, async (t) => {
    const c = await session()
    const path = `/e/8.2-${title.replace(/\W+/g, '-')}`
    await malformed(t, c, 1, fieldsFrame(1, [...requestFields(path), ...fields]))
  })
}

// Field validity (§8.2.1): the request is malformed (nghttp2, before our own HTTP/2, dropped the field and
// served the request). And the prohibited field must never reach the upstream (an HTTP/1.1 upstream would
// read CR LF as a new header line): the second test of each pair holds to that.
for (const [title, name, value] of [
  ['a field name with a space', 'x a', '1'],
  ['a field name with a colon', 'x:a', '1'],
  ['CR LF in a field value (header injection)', 'x-a', 'ok\r\nx-injected: 1'],
  ['LF in a field value', 'x-a', 'ok\nx-injected: 1'],
  ['NUL in a field value', 'x-a', 'a\u0000b'],
  ['a field value with a leading space', 'x-a', ' lead'],
  ['a field value with a trailing tab', 'x-a', 'trail\t'],
] as [string, string, string][]) {
  const slug = title.replace(/\W+/g, '-')
  test(`RFC 9113 §8.2.1: ${title} → malformed (RST_STREAM PROTOCOL_ERROR, or 400)`, async (t) => {
    const c = await session()
    await malformed(t, c, 1, fieldsFrame(1, [...requestFields(`/e/8.2.1-${slug}`), [name, value]]))
  })

  test(`RFC 9113 §8.2.1: ${title} never reaches the upstream`, async (t) => {
    const c = await session()
    c.write(get(1, '/e/8.2.1-control'))
    await answered(c, 1, '/e/8.2.1-control')
    const control = Object.keys(headersSeen.get('/e/8.2.1-control') ?? {}).sort()
    const path = `/e/8.2.1-safe-${slug}`
    c.write(fieldsFrame(3, [...requestFields(path), [name, value]]))
    await c.waitFor(() => c.resets().has(3) || c.ended().has(3) || c.closed, 3000)
    const forwarded = headersSeen.get(path)
    t.diagnostic(forwarded === undefined ? `refused: ${seen(c)}` : 'forwarded without the field')
    if (forwarded !== undefined) assert.deepEqual(Object.keys(forwarded).sort(), control)
    await servesFresh()
  })
}

// "__proto__" is dropped on the way upstream over HTTP/1.1 as well (node's req.headers cannot hold it):
// here it must at least not turn into something else.
test('RFC 9113 §8.2: request fields named "constructor" and "__proto__" are plain fields: "constructor" reaches the upstream as sent, nothing is mangled', async () => {
  const c = await session()
  c.write(
    get(1, '/e/proto-names', [
      ['constructor', 'value-c'],
      ['__proto__', 'value-p'],
    ]),
  )
  await answered(c, 1, '/e/proto-names')
  const raw = rawHeadersSeen.get('/e/proto-names') ?? []
  const pairs: string[] = []
  for (let i = 0; i < raw.length; i += 2) pairs.push(`${raw[i]?.toLowerCase()}: ${raw[i + 1]}`)
  assert.ok(pairs.includes('constructor: value-c'), `the upstream saw ${JSON.stringify(pairs)}`)
  const proto = pairs.filter((p) => p.startsWith('__proto__:'))
  assert.ok(
    proto.every((p) => p === '__proto__: value-p'),
    `the upstream saw ${JSON.stringify(pairs)}`,
  )
  assert.ok(!pairs.some((p) => p.includes('function')), `the upstream saw ${JSON.stringify(pairs)}`)
})

test('RFC 9113 §8.2.2: te: trailers is allowed', async () => {
  const c = await session()
  c.write(get(1, '/e/te-trailers', [['te', 'trailers']]))
  await answered(c, 1, '/e/te-trailers')
})

const withoutField = (path: string, name: string): [string, string][] =>
  requestFields(path).filter(([n]) => n !== name)

for (const [title, fieldsOf] of [
  [
    'a pseudo-header after a regular field',
    (p: string) => [...withoutField(p, ':authority'), ['x-a', '1'], [':authority', authority]],
  ],
  ['an unknown pseudo-header', (p: string) => [...requestFields(p), [':foo', 'bar']]],
  ['no :method', (p: string) => withoutField(p, ':method')],
  ['no :scheme', (p: string) => withoutField(p, ':scheme')],
  ['no :path', (p: string) => withoutField(p, ':path')],
  ['two :path', (p: string) => [...requestFields(p), [':path', p]]],
  ['an empty :path', () => withoutField('', ':path').concat([[':path', '']])],
] as [string, (path: string) => [string, string][]][]) {
  test(`RFC 9113 §8.3: ${title} → malformed (RST_STREAM PROTOCOL_ERROR, or 400)`, async (t) => {
    const c = await session()
    const path = `/e/8.3-${title.replace(/\W+/g, '-')}`
    await malformed(t, c, 1, fieldsFrame(1, fieldsOf(path)))
  })
}

test('RFC 9113 §8.1/§8.3: a pseudo-header in request trailers → malformed; the upstream sees no complete body', async (t) => {
  const c = await session()
  const path = '/e/pseudo-trailer'
  const bytes = Buffer.concat([post(1, path), data(1, 'abc'), fieldsFrame(1, [[':path', '/e/other']])])
  await malformed(t, c, 1, bytes, true)
})

test('RFC 9113 §8.1: request trailers (HEADERS with END_STREAM after DATA) are accepted; the body arrives intact', async () => {
  const c = await session()
  const path = '/e/trailers'
  c.write(
    Buffer.concat([
      post(1, path),
      data(1, 'hello '),
      data(1, 'world'),
      fieldsFrame(1, [['x-checksum', 'abc']]),
    ]),
  )
  await answered(c, 1, path, 'POST', 'hello world')
  assert.equal(completed.get(path), 'hello world')
})

test('RFC 9113 §7/§10.5.1: a header list over 32 KiB → 431 or RST_STREAM; the connection and others stay usable', async (t) => {
  const c = await session()
  const block = headerBlock([
    ...requestFields('/e/huge-list'),
    ...Array.from({ length: 5 }, (_, i): [string, string] => [`x-big-${i}`, 'h'.repeat(8000)]),
  ])
  c.write(headerFrames(1, block))
  await c.waitFor(() => c.resets().has(1) || c.ended().has(1) || c.closed, 5000)
  t.diagnostic(`got: ${seen(c)}`)
  assert.ok(c.statuses().get(1) === 431 || c.resets().has(1), seen(c))
  assert.equal(c.goaway, undefined, seen(c))
  assert.equal(completed.has('/e/huge-list'), false)
  c.write(get(3, '/e/after-huge'))
  await answered(c, 3, '/e/after-huge')
  await servesFresh()
})

/** VmRSS of the gateway process, in bytes. */
async function rss(): Promise<number> {
  const status = await readFile(`/proc/${gateway.child.pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  return Number(kb) * 1024
}

/**
 * Writes `count` frames from `make` on a connection that never reads, in batches, for at most 8 s:
 * returns how many were written before the gateway cut it or stopped reading (no drain for 2 s).
 */
async function floodUnread(
  opening: Buffer,
  make: (i: number) => Buffer,
  count: number,
): Promise<{ written: number; outcome: 'cut' | 'stopped reading' | 'took all' }> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
  closers.add(() => {
    socket.destroy()
  })
  socket.pause() // never read: every answer the gateway owes stays with it
  let cut = false
  socket.on('error', () => {
    cut = true
  })
  socket.on('close', () => {
    cut = true
  })
  socket.write(opening)
  const started = performance.now()
  let written = 0
  const batch = 1000
  while (written < count && !cut && performance.now() - started < 8000) {
    const frames: Buffer[] = []
    for (let i = 0; i < batch && written + i < count; i++) frames.push(make(written + i))
    const ok = socket.write(Buffer.concat(frames))
    written += frames.length
    if (!ok) {
      const drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2000)
        const done = () => {
          clearTimeout(timer)
          resolve(!socket.writableNeedDrain)
        }
        socket.once('drain', done)
        socket.once('close', done)
      })
      if (!drained && !cut) return { written, outcome: 'stopped reading' }
    }
    await new Promise((r) => setImmediate(r))
  }
  await sleep(300)
  // Everything may have fit in the kernel's buffers before the gateway read it: one more frame finds out
  // whether the gateway has cut the connection since (the write then fails).
  if (!cut) {
    socket.write(make(written))
    await sleep(300)
  }
  return { written, outcome: cut ? 'cut' : 'took all' }
}

const opening = Buffer.concat([PREFACE, settingsFrame()])
for (const [what, open, make] of [
  ['100,000 PINGs', opening, () => ping(Buffer.alloc(8))],
  ['100,000 SETTINGS frames', opening, () => settingsFrame()],
  [
    '100,000 empty DATA frames on one open stream',
    Buffer.concat([
      opening,
      requestHeaders(1, { method: 'POST', path: '/e/empty-data', authority: '127.0.0.1', endStream: false }),
    ]),
    () => data(1, ''),
  ],
] as const) {
  test(`flood from a client that never reads: ${what} → bounded gateway memory, the connection cut or no longer read`, async (t) => {
    const before = await rss()
    const r = await floodUnread(open, make, 100_000)
    const grown = (await rss()) - before
    t.diagnostic(`${r.outcome} after ${r.written} frames; gateway RSS +${(grown / 1048576).toFixed(1)} MiB`)
    assert.ok(r.outcome !== 'took all', `the gateway took all ${r.written} frames and kept the connection`)
    assert.ok(
      grown < 64 * 1048576,
      `the gateway grew by ${(grown / 1048576).toFixed(1)} MiB (${r.outcome} after ${r.written})`,
    )
    await servesFresh()
  })
}

test('100 concurrent streams with distinct paths and bodies, answers interleaved: each stream gets exactly its own echo', async (t) => {
  const c = await session()
  const n = 100
  const frames: Buffer[] = []
  const expected = new Map<number, string>()
  for (let i = 0; i < n; i++) {
    const id = 1 + 2 * i
    const path = `/e/cross/${i}?times=100&parts=4`
    const body = `body-of-${i}-`.repeat(5 + (i % 20))
    expected.set(id, `POST ${path}\n${body}`.repeat(100))
    frames.push(post(id, path), data(id, body, FLAG.END_STREAM))
  }
  c.write(Buffer.concat(frames))
  assert.ok(
    await c.waitFor(() => c.ended().size === n, 15_000),
    `${c.ended().size} of ${n} ended: ${seen(c)}`,
  )
  for (const [id, want] of expected) {
    assert.equal(c.statuses().get(id), 200)
    assert.equal(c.body(id).toString('latin1'), want, `stream ${id}`)
  }
  // The precondition of the check above: the answers did share the connection, frame by frame.
  const order = c.frames.filter((f) => f.type === FRAME.DATA).map((f) => f.streamId)
  const split = new Set(order.filter((id, i) => order.indexOf(id) < i && order[i - 1] !== id))
  t.diagnostic(`${order.length} DATA frames; ${split.size} answers interleaved with others`)
  assert.ok(split.size > 0, 'no answer was interleaved with another')
  assert.equal(c.goaway, undefined)
})
