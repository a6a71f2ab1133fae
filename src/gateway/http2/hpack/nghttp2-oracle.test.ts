// Our HPACK against nghttp2 (inside node:http2) over real loopback sockets: a raw `net` server of the test
// speaks just enough HTTP/2 (preface, SETTINGS, HEADERS) to read node's header blocks with our decoder and
// to answer node with blocks from our encoder.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http2 from 'node:http2'
import net from 'node:net'
import { test } from 'node:test'
import { HpackDecoder } from './decoder.ts'
import { HpackEncoder } from './encoder.ts'

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
const DATA = 0x0
const HEADERS = 0x1
const SETTINGS = 0x4
const CONTINUATION = 0x9
const END_STREAM = 0x1
const ACK = 0x1
const END_HEADERS = 0x4
const PADDED = 0x8
const PRIORITY = 0x20
const SETTINGS_HEADER_TABLE_SIZE = 0x1

interface Frame {
  type: number
  flags: number
  streamId: number
  payload: Buffer
}

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(streamId, 5)
  return Buffer.concat([head, payload])
}

/** A raw HTTP/2 server endpoint: checks the client preface, answers SETTINGS, hands every other frame on. */
function serveFrames(socket: net.Socket, onFrame: (frame: Frame) => void): void {
  let pending = Buffer.alloc(0)
  let prefaceSeen = false
  socket.write(frame(SETTINGS, 0, 0))
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    if (!prefaceSeen) {
      if (pending.length < PREFACE.length) return
      assert.equal(pending.subarray(0, PREFACE.length).toString('latin1'), PREFACE)
      pending = pending.subarray(PREFACE.length)
      prefaceSeen = true
    }
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3)
      if (pending.length < 9 + length) break
      const f = {
        type: pending[3]!,
        flags: pending[4]!,
        streamId: pending.readUInt32BE(5) & 0x7fffffff,
        payload: pending.subarray(9, 9 + length),
      }
      pending = pending.subarray(9 + length)
      if (f.type === SETTINGS && !(f.flags & ACK)) socket.write(frame(SETTINGS, ACK, 0))
      onFrame(f)
    }
  })
}

/** The header block fragment of a HEADERS frame, without padding and priority fields. */
function headerBlock(f: Frame): Buffer {
  let start = 0
  let end = f.payload.length
  if (f.flags & PADDED) {
    end -= f.payload[0]!
    start = 1
  }
  if (f.flags & PRIORITY) start += 5
  return f.payload.subarray(start, end)
}

function settingsValue(f: Frame, id: number): number | undefined {
  let value: number | undefined
  for (let i = 0; i + 6 <= f.payload.length; i += 6)
    if (f.payload.readUInt16BE(i) === id) value = f.payload.readUInt32BE(i + 2)
  return value
}

async function listen(server: net.Server, port: number): Promise<void> {
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
}

function sortedPairs(list: string[]): string[] {
  const pairs: string[] = []
  for (let i = 0; i < list.length; i += 2) pairs.push(`${list[i]}: ${list[i + 1]}`)
  return pairs.sort()
}

function flattenSent(headers: http2.OutgoingHttpHeaders): string[] {
  const list: string[] = []
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) list.push(name, String(v))
  }
  return list
}

test('our decoder reads exactly the header blocks node:http2 (nghttp2) sends, request after request', async (t) => {
  const decoder = new HpackDecoder()
  const received: string[][] = []
  const server = net.createServer((socket) => {
    let block: Buffer[] = []
    serveFrames(socket, (f) => {
      if (f.type === HEADERS) block = [headerBlock(f)]
      else if (f.type === CONTINUATION) block.push(f.payload)
      else return
      if (!(f.flags & END_HEADERS)) return
      const whole = Buffer.concat(block)
      const out: string[] = []
      assert.equal(decoder.decode(whole, 0, whole.length, out, 1 << 20), true)
      received.push(out)
      socket.write(frame(HEADERS, END_HEADERS | END_STREAM, f.streamId, Buffer.from([0x88]))) // :status 200
    })
  })
  await listen(server, 19601)
  t.after(() => server.close())

  const client = http2.connect('http://127.0.0.1:19601')
  t.after(() => client.close())
  const requests: http2.OutgoingHttpHeaders[] = [
    { ':path': '/small', 'user-agent': 'h2load', accept: '*/*' },
    { ':path': '/small', 'user-agent': 'h2load', accept: '*/*' }, // all from the dynamic table now
    {
      ':method': 'POST',
      ':path': '/api/items?x=1',
      'content-type': 'application/json',
      'x-request-id': 'a1b2',
    },
    { ':path': '/', 'x-empty': '', 'x-latin1': 'caf\u00e9 \u00ff\u0080', 'x-multi': ['one', 'two'] },
    {
      ':path': '/auth',
      authorization: 'Bearer abc.def.ghi',
      cookie: 'session=0123456789abcdefghij; theme=dark',
    },
    { ':path': '/big', 'x-long': 'L'.repeat(3000), 'x-request-id': 'a1b3' },
    { ':path': '/small', 'user-agent': 'h2load', accept: '*/*', 'x-request-id': 'a1b2' },
    // Enough distinct fields to fill nghttp2's 4096-octet table several times: our evictions must match.
    ...Array.from({ length: 40 }, (_, i) => ({
      ':path': `/items/${i}`,
      'x-request-id': `req-${i}-${'z'.repeat(i * 7)}`,
      'x-trace': `${i}`.repeat(40),
      'user-agent': 'h2load',
    })),
  ]
  for (const headers of requests) {
    const stream = client.request(headers, { endStream: true })
    const [response] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders]
    assert.equal(response[':status'], 200)
    stream.resume()
    await once(stream, 'close')
    const decoded = received.at(-1)!
    assert.deepEqual(sortedPairs(decoded), sortedPairs(flattenSent(stream.sentHeaders)))
    const names = decoded.filter((_, i) => i % 2 === 0)
    const pseudo = names.filter((name) => name.startsWith(':'))
    assert.deepEqual(names.slice(0, pseudo.length), pseudo, 'pseudo-header fields come first')
  }
  assert.equal(received.length, requests.length)
  assert.ok(
    decoder.tableSize > 3500,
    'nghttp2 filled its dynamic table, so entries were evicted on both sides',
  )
})

async function respondWithOurEncoder(
  t: test.TestContext,
  port: number,
  headerTableSize?: number,
): Promise<void> {
  const responses: string[][] = [
    [':status', '200', 'content-type', 'text/plain', 'content-length', '5', 'x-request-id', 'r-1'],
    [':status', '200', 'content-type', 'text/plain', 'content-length', '5', 'x-request-id', 'r-2'],
    [
      ':status',
      '404',
      'content-type',
      'application/problem+json',
      'x-empty',
      '',
      'x-latin1',
      'na\u00efve \u00a7\u00ff',
    ],
    [':status', '200', 'set-cookie', 'a=1; Path=/', 'set-cookie', 'b=2; HttpOnly', 'x-big', 'B'.repeat(2000)],
    [':status', '302', 'location', 'https://www.example.com/next', 'cache-control', 'private'],
    [':status', '200', 'content-type', 'text/plain', 'content-length', '5', 'x-request-id', 'r-2'],
    [
      ':status',
      '203',
      'date',
      'Thu, 03 Dec 2026 12:00:00 GMT',
      'server',
      'sallyport',
      'vary',
      'accept-encoding',
    ],
  ]
  let encoder = new HpackEncoder()
  const server = net.createServer((socket) => {
    let next = 0
    serveFrames(socket, (f) => {
      if (f.type === SETTINGS && !(f.flags & ACK)) {
        const size = settingsValue(f, SETTINGS_HEADER_TABLE_SIZE)
        if (size !== undefined) encoder.setPeerMaxTableSize(size)
      }
      if (f.type !== HEADERS) return
      const block = Buffer.from(encoder.encode(responses[next++]!)) // copied: the encoder reuses its buffer
      socket.write(frame(HEADERS, END_HEADERS, f.streamId, block))
      socket.write(frame(DATA, END_STREAM, f.streamId, Buffer.from('hello')))
    })
  })
  encoder = new HpackEncoder()
  await listen(server, port)
  t.after(() => server.close())
  const client = http2.connect(
    `http://127.0.0.1:${port}`,
    headerTableSize === undefined ? {} : { settings: { headerTableSize } },
  )
  t.after(() => client.close())
  for (const expected of responses) {
    const stream = client.request({ ':path': '/' }, { endStream: true })
    const [, , rawHeaders] = (await once(stream, 'response')) as [unknown, number, string[]]
    assert.deepEqual(rawHeaders, expected)
    stream.resume()
    await once(stream, 'close')
  }
  if (headerTableSize !== undefined) assert.ok(encoder.tableSize <= headerTableSize)
}

test('node:http2 (nghttp2) reads exactly the header blocks our encoder writes, response after response', async (t) => {
  await respondWithOurEncoder(t, 19602)
})

test('the same with the client asking for a 256-octet table: our size update and evictions agree with nghttp2', async (t) => {
  await respondWithOurEncoder(t, 19603, 256)
})
