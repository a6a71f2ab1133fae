import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ResponseParser } from './response-parser.ts'
import type { ResponseHeaders } from './types.ts'

interface Parsed {
  status: number
  headers: ResponseHeaders
  body: string
  ends: number
}

function parser(method = 'GET') {
  const out: Parsed = { status: 0, headers: {}, body: '', ends: 0 }
  const p = new ResponseParser({
    onInterim() {},
    onUpgrade() {},
    onHead(status, headers) {
      out.status = status
      out.headers = headers
    },
    onBody(chunk) {
      out.body += chunk.toString('latin1')
    },
    onEnd() {
      out.ends++
    },
  })
  p.expect(method)
  return { p, out }
}

/** Feeds `raw` split at every possible pair of points: framing must not depend on packet edges. */
function everySplit(raw: string, check: (out: Parsed, p: ResponseParser) => void, method = 'GET') {
  const bytes = Buffer.from(raw, 'latin1')
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j += Math.max(1, Math.floor(bytes.length / 7))) {
      const { p, out } = parser(method)
      for (const part of [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])
        if (part.length > 0) p.feed(part)
      check(out, p)
    }
  }
}

describe('upstream response parser', () => {
  test('content-length body, any split; duplicate fields become lists', () => {
    const raw =
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 11\r\n\r\nhello world'
    everySplit(raw, (out, p) => {
      assert.equal(out.status, 200)
      assert.equal(out.headers['content-type'], 'text/plain')
      assert.deepEqual(out.headers['set-cookie'], ['a=1', 'b=2'])
      assert.equal(out.body, 'hello world')
      assert.equal(out.ends, 1)
      assert.equal(p.keepAlive, true)
    })
  })

  test('chunked body with extensions and trailers, any split', () => {
    const raw =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n'
    everySplit(raw, (out, p) => {
      assert.equal(out.body, 'hello world')
      assert.equal(out.ends, 1)
      assert.equal(p.keepAlive, true)
      assert.equal(p.idle, true)
    })
  })

  test('connection-specific fields are consumed, not handed on (RFC 9110 §7.6.1)', () => {
    const { out } = (() => {
      const r = parser()
      r.p.feed(
        Buffer.from(
          'HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: 1\r\nTransfer-Encoding: chunked\r\nX-End: 2\r\n\r\n0\r\n\r\n',
        ),
      )
      return r
    })()
    assert.deepEqual(out.headers, { 'x-end': '2' })
    assert.equal(out.ends, 1)
  })

  test('one connection, responses with different header names in the same places', () => {
    const { p, out } = parser()
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nX-Ab: 1\r\nContent-Length: 0\r\n\r\n'))
    assert.deepEqual(out.headers, { 'x-ab': '1', 'content-length': '0' })
    p.expect('GET')
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nX-Abc: 2\r\nX-Ab: 3\r\nContent-Length: 0\r\n\r\n'))
    assert.deepEqual(out.headers, { 'x-abc': '2', 'x-ab': '3', 'content-length': '0' })
    p.expect('GET')
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nX-AB: 4\r\ncontent-length: 0\r\n\r\n'))
    assert.deepEqual(out.headers, { 'x-ab': '4', 'content-length': '0' })
  })

  test('no length: the body runs until the connection closes, which ends it', () => {
    const { p, out } = parser()
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome'))
    p.feed(Buffer.from(' more'))
    assert.equal(out.ends, 0)
    assert.equal(p.closed(), true)
    assert.equal(out.body, 'some more')
    assert.equal(out.ends, 1)
    assert.equal(p.keepAlive, false)
  })

  test('HEAD, 204 and 304 have no body even with a content-length', () => {
    for (const [method, status] of [
      ['HEAD', 200],
      ['GET', 204],
      ['GET', 304],
    ] as const) {
      const { p, out } = parser(method)
      p.feed(Buffer.from(`HTTP/1.1 ${status} X\r\ncontent-length: 10\r\n\r\n`))
      assert.equal(out.ends, 1, `${method} ${status}`)
      assert.equal(p.keepAlive, true)
    }
  })

  test('interim 100 and 103 responses are skipped', () => {
    everySplit(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok',
      (out) => {
        assert.equal(out.status, 201)
        assert.equal(out.body, 'ok')
        assert.equal(out.ends, 1)
      },
    )
  })

  test('HTTP/1.0 and Connection: close end keep-alive', () => {
    let { p } = parser()
    p.feed(Buffer.from('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n'))
    assert.equal(p.keepAlive, false)
    ;({ p } = parser())
    p.feed(Buffer.from('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n'))
    assert.equal(p.keepAlive, true)
    ;({ p } = parser())
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 0\r\n\r\n'))
    assert.equal(p.keepAlive, false)
    ;({ p } = parser())
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nkeep-alive: timeout=5, max=100\r\ncontent-length: 0\r\n\r\n'))
    assert.equal(p.keepAliveHintS, 5)
  })

  test('bytes after the response make the connection unusable', () => {
    const { p, out } = parser()
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA'))
    assert.equal(out.body, 'ok')
    assert.equal(p.keepAlive, false)
  })

  test('a cut-short response is reported when the connection closes', () => {
    const { p, out } = parser()
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort'))
    assert.equal(p.closed(), false)
    assert.equal(out.ends, 0)
  })

  for (const [name, raw] of [
    ['bad status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['status not a number', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['header without colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n'],
    ['obsolete folding', 'HTTP/1.1 200 OK\r\na: 1\r\n  folded\r\n\r\n'],
    ['space before colon', 'HTTP/1.1 200 OK\r\ncontent-length : 1\r\n\r\nx'],
    ['conflicting lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nx'],
    ['negative length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk without CRLF', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nxy\r\n'],
    ['unexpected 101', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  ] as const) {
    test(`rejects: ${name}`, () => {
      const { p } = parser()
      assert.throws(() => p.feed(Buffer.from(raw, 'latin1')), { code: 'UPSTREAM_BAD_RESPONSE' })
    })
  }

  test('a head larger than 64 KiB is refused', () => {
    const { p } = parser()
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\n'))
    assert.throws(() => p.feed(Buffer.from(`x-big: ${'a'.repeat(70 * 1024)}`)), {
      code: 'UPSTREAM_BAD_RESPONSE',
    })
  })

  test('a repeated identical content-length is accepted', () => {
    const { p, out } = parser()
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2, 2\r\n\r\nok'))
    assert.equal(out.body, 'ok')
    assert.equal(out.ends, 1)
  })
})
