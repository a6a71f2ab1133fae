import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:http2'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { startEchoServer } from '../../../e2e/fixtures/grpc/echo-server.ts'
import { encodeFrame, GrpcFrameReader } from './grpc.ts'
import {
  Base64StreamDecoder,
  Base64StreamEncoder,
  type GrpcWebMode,
  grpcWebMode,
  requestHeaderChanges,
  responseHeadersFor,
  trailerFrame,
} from './grpc-web.ts'

/** Splits `bytes` at the given points (taken modulo its length, any order, duplicates allowed). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let at = 0
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(at, p))
    at = p
  }
  return out
}

function decodeAll(chunks: Buffer[]): Buffer {
  const d = new Base64StreamDecoder()
  return Buffer.concat([...chunks.map((c) => d.push(c)), d.end()])
}

describe('gRPC-Web content types', () => {
  test('binary and text, with and without a codec suffix', () => {
    assert.deepEqual(grpcWebMode('application/grpc-web'), {
      text: false,
      textResponse: false,
      upstreamContentType: 'application/grpc',
      responseContentType: 'application/grpc-web+proto',
    })
    assert.deepEqual(grpcWebMode('application/grpc-web+proto'), {
      text: false,
      textResponse: false,
      upstreamContentType: 'application/grpc+proto',
      responseContentType: 'application/grpc-web+proto',
    })
    assert.deepEqual(grpcWebMode('application/grpc-web-text'), {
      text: true,
      textResponse: true,
      upstreamContentType: 'application/grpc',
      responseContentType: 'application/grpc-web-text+proto',
    })
    assert.deepEqual(grpcWebMode('Application/gRPC-Web-Text+proto; charset=utf-8'), {
      text: true,
      textResponse: true,
      upstreamContentType: 'application/grpc+proto',
      responseContentType: 'application/grpc-web-text+proto',
    })
    assert.equal(grpcWebMode('application/grpc-web+json')?.upstreamContentType, 'application/grpc+json')
    assert.equal(grpcWebMode('application/grpc-web+json')?.responseContentType, 'application/grpc-web+json')
  })

  test('Accept: application/grpc-web-text asks for a text response to a binary request', () => {
    const mode = grpcWebMode('application/grpc-web+proto', 'application/grpc-web-text')
    assert.equal(mode?.text, false)
    assert.equal(mode?.textResponse, true)
    assert.equal(mode?.responseContentType, 'application/grpc-web-text+proto')
    assert.equal(grpcWebMode('application/grpc-web', '*/*')?.textResponse, false)
  })

  test('anything else is not gRPC-Web', () => {
    for (const ct of [
      undefined,
      '',
      'application/grpc',
      'application/grpc+proto',
      'application/grpc-webx',
      'application/grpc-web-textual',
      'application/grpc-web+',
      'application/json',
    ])
      assert.equal(grpcWebMode(ct), undefined, String(ct))
  })
})

describe('base64 request bodies', () => {
  test('exact bytes, one message', () => {
    const frame = encodeFrame(Buffer.from('hi'))
    assert.equal(frame.toString('base64'), 'AAAAAAJoaQ==')
    assert.deepEqual(decodeAll([Buffer.from('AAAAAAJoaQ==')]), frame)
    assert.deepEqual(
      decodeAll([Buffer.from('AAA'), Buffer.from('AAAJ'), Buffer.from('oaQ='), Buffer.from('=')]),
      frame,
    )
  })

  test('each message padded on its own: padding in the middle of the stream', () => {
    const a = encodeFrame(Buffer.from('hi'))
    const b = encodeFrame(Buffer.from('there'))
    const text = a.toString('base64') + b.toString('base64')
    assert.equal(text, 'AAAAAAJoaQ==AAAAAAV0aGVyZQ==')
    assert.deepEqual(decodeAll([Buffer.from(text)]), Buffer.concat([a, b]))
  })

  test('push returns only completed quartets', () => {
    const d = new Base64StreamDecoder()
    assert.deepEqual(d.push(Buffer.from('aGVsbG8')), Buffer.from('hel'))
    assert.deepEqual(d.push(Buffer.from('=')), Buffer.from('lo'))
    assert.deepEqual(d.end(), Buffer.alloc(0))
  })

  test('an unpadded tail of 2 or 3 characters is accepted at the end', () => {
    assert.deepEqual(decodeAll([Buffer.from('aGVsbG8')]), Buffer.from('hello'))
    assert.deepEqual(decodeAll([Buffer.from('aGk')]), Buffer.from('hi'))
    assert.deepEqual(decodeAll([Buffer.from('aA')]), Buffer.from('h'))
  })

  test('invalid input is an Error that says where', () => {
    const bad: [string, RegExp][] = [
      ['aGk*', /invalid character 0x2a at byte 3/],
      ['aGk\n', /invalid character 0x0a/],
      ['aG-_', /invalid character 0x2d/],
      ['a===', /padding before two data characters/],
      ['====', /padding before two data characters/],
      ['aG=k', /data after padding/],
    ]
    for (const [text, message] of bad) assert.throws(() => decodeAll([Buffer.from(text)]), message, text)
    assert.throws(
      () => decodeAll([Buffer.from('aGVsb'), Buffer.from('G8=a')]),
      /body ends inside a base64 quartet/,
    )
    assert.throws(
      () => decodeAll([Buffer.from('aGVsbG8='), Buffer.from('a?')]),
      /invalid character 0x3f at byte 9/,
    )
  })

  test('property: separately padded segments split anywhere decode to the concatenated bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 16 }),
        (segments, cuts) => {
          const text = Buffer.from(segments.map((s) => Buffer.from(s).toString('base64')).join(''), 'latin1')
          assert.deepEqual(decodeAll(split(text, cuts)), Buffer.concat(segments.map((s) => Buffer.from(s))))
        },
      ),
      { numRuns: 500 },
    )
  })

  test('property: agrees with Buffer on one padded text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const text = Buffer.from(Buffer.from(bytes).toString('base64'))
        assert.deepEqual(decodeAll(split(text, cuts)), Buffer.from(bytes))
      }),
    )
  })
})

describe('base64 response bodies', () => {
  test('3-byte-aligned pieces, padding only at the end', () => {
    const e = new Base64StreamEncoder()
    assert.equal(e.push(Buffer.from('he')).toString(), '')
    assert.equal(e.push(Buffer.from('llo')).toString(), 'aGVs')
    assert.equal(e.push(Buffer.from(' w')).toString(), 'bG8g')
    assert.equal(e.end().toString(), 'dw==')
    assert.equal(e.end().toString(), '')
  })

  test('flush pads what is held back; output stays decodable', () => {
    const e = new Base64StreamEncoder()
    const parts = [e.push(Buffer.from('hi')), e.flush(), e.push(Buffer.from('abc')), e.flush(), e.end()]
    assert.deepEqual(
      parts.map((p) => p.toString()),
      ['', 'aGk=', 'YWJj', '', ''],
    )
    assert.deepEqual(decodeAll(parts), Buffer.from('hiabc'))
  })

  test('property: any chunking encodes to the base64 of the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 10 }), (chunks) => {
        const e = new Base64StreamEncoder()
        const pieces = chunks.map((c) => e.push(Buffer.from(c)))
        for (const p of pieces) assert.equal(p.length % 4, 0)
        const whole = Buffer.concat(chunks.map((c) => Buffer.from(c)))
        assert.equal(Buffer.concat([...pieces, e.end()]).toString('latin1'), whole.toString('base64'))
      }),
    )
  })

  test('property: flushing anywhere still decodes to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.boolean()), { maxLength: 10 }),
        (steps) => {
          const e = new Base64StreamEncoder()
          const out: Buffer[] = []
          for (const [chunk, flush] of steps) {
            out.push(e.push(Buffer.from(chunk)))
            if (flush) out.push(e.flush())
          }
          out.push(e.end())
          assert.deepEqual(decodeAll(out), Buffer.concat(steps.map(([c]) => Buffer.from(c))))
        },
      ),
    )
  })
})

describe('trailer frame', () => {
  test('exact bytes: flag 0x80, length, lower-case name:value lines', () => {
    const frame = trailerFrame({
      'grpc-status': '0',
      'Grpc-Message': 'OK',
      'x-multi': ['a', 'b'],
      ':status': '200',
      te: 'trailers',
      'transfer-encoding': 'chunked',
      'x-none': undefined,
      'x-bad': 'a\r\nforged: 1',
    })
    const block = 'grpc-status:0\r\ngrpc-message:OK\r\nx-multi:a\r\nx-multi:b\r\n'
    assert.deepEqual(frame, Buffer.concat([Buffer.from([0x80, 0, 0, 0, block.length]), Buffer.from(block)]))
  })

  test('empty trailers are an empty trailer frame', () => {
    assert.deepEqual(trailerFrame({}), Buffer.from([0x80, 0, 0, 0, 0]))
  })

  test('a frame reader reads it back', () => {
    const [frame] = new GrpcFrameReader().push(trailerFrame({ 'grpc-status': '14', 'grpc-message': 'down' }))
    assert.equal(frame?.flags, 0x80)
    assert.equal(frame?.payload.toString(), 'grpc-status:14\r\ngrpc-message:down\r\n')
  })
})

describe('header changes', () => {
  const incoming = {
    host: 'gw.local',
    'content-type': 'application/grpc-web-text',
    'content-length': '40',
    accept: 'application/grpc-web-text',
    'x-grpc-web': '1',
    'x-user-agent': 'grpc-web-javascript/0.1',
    'x-multi': ['a', 'b'],
  }

  test('text request: gRPC content type, te: trailers, no content-length, no x-grpc-web', () => {
    const mode = grpcWebMode(incoming['content-type'])!
    assert.deepEqual(requestHeadersFor(incoming, mode), {
      host: 'gw.local',
      accept: 'application/grpc-web-text',
      'x-user-agent': 'grpc-web-javascript/0.1',
      'x-multi': ['a', 'b'],
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    assert.equal(incoming['x-grpc-web'], '1', 'the input is not changed')
  })

  test('binary request keeps its content-length (the body passes unchanged)', () => {
    const mode = grpcWebMode('application/grpc-web+proto')!
    const out = requestHeadersFor(
      { 'Content-Type': 'application/grpc-web+proto', 'Content-Length': '7', TE: 'x' },
      mode,
    )
    assert.deepEqual(out, { 'content-length': '7', 'content-type': 'application/grpc+proto', te: 'trailers' })
  })

  test('response: the client content type, no content-length, grpc-status of a trailers-only answer kept', () => {
    const mode = grpcWebMode('application/grpc-web-text')!
    assert.deepEqual(
      responseHeadersFor(
        {
          'content-type': 'application/grpc',
          'content-length': '0',
          'grpc-status': '12',
          'grpc-message': 'x',
        },
        mode,
      ),
      { 'grpc-status': '12', 'grpc-message': 'x', 'content-type': 'application/grpc-web-text+proto' },
    )
  })
})

/** The fields sent upstream: the client's with the changes applied (as the pipeline does). */
function requestHeadersFor(
  headers: Readonly<Record<string, string | string[]>>,
  mode: GrpcWebMode,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value
  for (const [name, value] of Object.entries(requestHeaderChanges(mode))) {
    if (value === undefined) delete out[name]
    else out[name] = value
  }
  return out
}

describe('the pieces together, against a real gRPC server', () => {
  // EchoMessage { string text = 1; int32 count = 2; } by hand, small values only.
  const echoMessage = (text: string, count: number) =>
    Buffer.concat([Buffer.from([0x0a, text.length]), Buffer.from(text), Buffer.from([0x10, count])])

  test('a grpc-web-text server stream: request decoded, response and trailers encoded', async (t) => {
    const server = await startEchoServer()
    t.after(() => server.close())
    const session = connect(server.url)
    t.after(() => session.close())

    const mode = grpcWebMode('application/grpc-web-text')!
    const clientBody = Buffer.from(encodeFrame(echoMessage('hi', 2)).toString('base64'))
    const headers = requestHeadersFor(
      {
        'content-type': 'application/grpc-web-text',
        'content-length': String(clientBody.length),
        'x-grpc-web': '1',
      },
      mode,
    )
    const stream = session.request({
      ':method': 'POST',
      ':path': '/sallyport.test.Echo/ServerStream',
      ...headers,
    })
    const decoder = new Base64StreamDecoder()
    for (const piece of split(clientBody, [3, 7, 8])) stream.write(decoder.push(piece))
    stream.end(decoder.end())

    const encoder = new Base64StreamEncoder()
    const out: Buffer[] = []
    let responseHeaders: Record<string, string | string[]> = {}
    stream.on('response', (h) => {
      responseHeaders = responseHeadersFor(h as Record<string, string | string[]>, mode)
    })
    stream.on('data', (chunk: Buffer) => out.push(encoder.push(chunk), encoder.flush()))
    stream.on('trailers', (trailers) => out.push(encoder.push(trailerFrame(trailers)), encoder.end()))
    await once(stream, 'close')

    assert.equal(responseHeaders['content-type'], 'application/grpc-web-text+proto')
    const frames = new GrpcFrameReader().push(decodeAll(out))
    assert.deepEqual(
      frames.map((f) => [f.flags, f.payload]),
      [
        [0, echoMessage('hi', 1)],
        [0, echoMessage('hi', 2)],
        [0x80, Buffer.from('grpc-status:0\r\ngrpc-message:OK\r\nx-echo-trailer:done\r\n')],
      ],
    )
  })
})
