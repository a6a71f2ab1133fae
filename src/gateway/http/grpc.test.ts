import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  decodeGrpcMessage,
  decodeHealthCheckResponse,
  encodeFrame,
  encodeGrpcMessage,
  encodeHealthCheckRequest,
  formatGrpcTimeout,
  GRPC_STATUS_NAMES,
  GrpcFrameError,
  GrpcFrameReader,
  GrpcStatus,
  grpcStatusForHttp,
  grpcStatusForProblem,
  grpcStatusName,
  isGrpcLike,
  isGrpcRequest,
  parseGrpcTimeout,
  trailersOnly,
} from './grpc.ts'
import type { ProblemKind } from './problem.ts'

describe('gRPC status codes', () => {
  test('codes and names follow the spec', () => {
    assert.equal(GrpcStatus.OK, 0)
    assert.equal(GrpcStatus.DEADLINE_EXCEEDED, 4)
    assert.equal(GrpcStatus.RESOURCE_EXHAUSTED, 8)
    assert.equal(GrpcStatus.UNIMPLEMENTED, 12)
    assert.equal(GrpcStatus.UNAVAILABLE, 14)
    assert.equal(GrpcStatus.UNAUTHENTICATED, 16)
    assert.equal(GRPC_STATUS_NAMES.length, 17)
    for (const [code, name] of GRPC_STATUS_NAMES.entries()) assert.equal(GrpcStatus[name], code)
    assert.equal(grpcStatusName(12), 'UNIMPLEMENTED')
    assert.equal(grpcStatusName(99), 'CODE_99')
  })

  test('every problem kind has a code; anything else is UNKNOWN', () => {
    const expected: Record<ProblemKind, number> = {
      'route-not-found': 12,
      'bad-gateway': 14,
      'gateway-timeout': 4,
      'service-unavailable': 14,
      'rate-limit-exceeded': 8,
      unauthorized: 16,
      forbidden: 7,
      'validation-failed': 3,
      'bad-request': 13,
      'request-timeout': 4,
      'header-fields-too-large': 8,
      'content-too-large': 8,
      'not-implemented': 12,
      'http-version-not-supported': 13,
      'program-refused': 7,
      'program-failed': 13,
      'operation-not-found': 12,
      'not-acceptable': 3,
      'mock-failed': 13,
    }
    for (const [kind, code] of Object.entries(expected)) assert.equal(grpcStatusForProblem(kind), code, kind)
    assert.equal(grpcStatusForProblem('something-new'), GrpcStatus.UNKNOWN)
    assert.equal(grpcStatusForProblem('toString'), GrpcStatus.UNKNOWN)
  })

  test('HTTP statuses of a non-gRPC answer map per http-grpc-status-mapping.md', () => {
    const cases: [number, number][] = [
      [400, 13],
      [401, 16],
      [403, 7],
      [404, 12],
      [429, 14],
      [502, 14],
      [503, 14],
      [504, 14],
      [200, 2],
      [500, 2],
      [418, 2],
    ]
    for (const [http, code] of cases) assert.equal(grpcStatusForHttp(http), code, String(http))
  })
})

describe('content types', () => {
  test('gRPC proper', () => {
    for (const ct of [
      'application/grpc',
      'application/grpc+proto',
      'application/grpc+json',
      'application/grpc; charset=utf-8',
      'Application/GRPC+Proto',
      ' application/grpc ',
    ])
      assert.equal(isGrpcRequest(ct), true, ct)
    for (const ct of [
      undefined,
      '',
      'application/grpc-web',
      'application/grpc-web+proto',
      'application/grpc-web-text',
      'application/grpcx',
      'application/json',
      'text/grpc',
    ])
      assert.equal(isGrpcRequest(ct), false, String(ct))
  })

  test('gRPC-like includes gRPC-Web, binary and text', () => {
    for (const ct of [
      'application/grpc',
      'application/grpc+proto',
      'application/grpc-web',
      'application/grpc-web+proto',
      'application/grpc-web-text',
      'application/grpc-web-text+proto',
      'application/grpc-web; charset=x',
    ])
      assert.equal(isGrpcLike(ct), true, ct)
    for (const ct of [undefined, 'application/json', 'application/grpc-webx', 'application/grpc-web-textual'])
      assert.equal(isGrpcLike(ct), false, String(ct))
  })
})

describe('grpc-timeout', () => {
  test('every unit, in milliseconds', () => {
    assert.equal(parseGrpcTimeout('1H'), 3_600_000)
    assert.equal(parseGrpcTimeout('2M'), 120_000)
    assert.equal(parseGrpcTimeout('3S'), 3000)
    assert.equal(parseGrpcTimeout('4m'), 4)
    assert.equal(parseGrpcTimeout('5u'), 1)
    assert.equal(parseGrpcTimeout('5000u'), 5)
    assert.equal(parseGrpcTimeout('6n'), 1)
    assert.equal(parseGrpcTimeout('2000001n'), 3)
    assert.equal(parseGrpcTimeout('0m'), 0)
    assert.equal(parseGrpcTimeout('99999999S'), 99_999_999_000)
  })

  test('invalid values are undefined', () => {
    for (const v of [undefined, '', 'm', '1', '1s', '1h', '-1S', '1.5S', '123456789m', '1 S', '1SS', '0x10m'])
      assert.equal(parseGrpcTimeout(v), undefined, String(v))
  })

  test('format picks the finest unit that fits in 8 digits and never shortens', () => {
    assert.equal(formatGrpcTimeout(0), '0m')
    assert.equal(formatGrpcTimeout(1500), '1500m')
    assert.equal(formatGrpcTimeout(0.2), '1m')
    assert.equal(formatGrpcTimeout(99_999_999), '99999999m')
    assert.equal(formatGrpcTimeout(100_000_000), '100000S')
    assert.equal(formatGrpcTimeout(100_000_001), '100001S')
    assert.equal(formatGrpcTimeout(-5), '0m')
    assert.equal(formatGrpcTimeout(Number.POSITIVE_INFINITY), '99999999H')
    assert.equal(formatGrpcTimeout(2 ** 60), '99999999H')
  })

  test('format then parse gives back at least the deadline, exactly below 10^8 ms', () => {
    fc.assert(
      fc.property(fc.nat({ max: 99_999_999 * 3_600_000 }), (ms) => {
        const back = parseGrpcTimeout(formatGrpcTimeout(ms))
        assert.ok(back !== undefined && back >= ms)
        if (ms < 1e8) assert.equal(back, ms)
      }),
    )
  })
})

describe('grpc-message', () => {
  test('percent-encodes exactly what the spec says', () => {
    assert.equal(encodeGrpcMessage('plain text ~!'), 'plain text ~!')
    assert.equal(encodeGrpcMessage('100%'), '100%25')
    assert.equal(encodeGrpcMessage('a\r\nb'), 'a%0D%0Ab')
    assert.equal(encodeGrpcMessage('\t\x7f'), '%09%7F')
    assert.equal(encodeGrpcMessage('café ☃'), 'caf%C3%A9 %E2%98%83')
  })

  test('decodes, keeping malformed escapes as they are', () => {
    assert.equal(decodeGrpcMessage('caf%C3%A9 %E2%98%83'), 'café ☃')
    assert.equal(decodeGrpcMessage('100%25'), '100%')
    assert.equal(decodeGrpcMessage('a%0d%0ab'), 'a\r\nb')
    assert.equal(decodeGrpcMessage('50% off %zz %4'), '50% off %zz %4')
  })

  test('round trip for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const encoded = encodeGrpcMessage(s)
        assert.match(encoded, /^[\x20-\x7e]*$/)
        assert.equal(decodeGrpcMessage(encoded), Buffer.from(s, 'utf8').toString('utf8'))
      }),
    )
  })

  test('trailers-only fields', () => {
    assert.deepEqual(trailersOnly(GrpcStatus.UNIMPLEMENTED, 'no route for /a.B/C'), {
      'content-type': 'application/grpc',
      'grpc-status': '12',
      'grpc-message': 'no route for /a.B/C',
    })
    assert.deepEqual(trailersOnly(14, '50% down', 'application/grpc-web+proto'), {
      'content-type': 'application/grpc-web+proto',
      'grpc-status': '14',
      'grpc-message': '50%25 down',
    })
  })
})

describe('frames', () => {
  test('encodeFrame writes flag and big-endian length', () => {
    assert.deepEqual(encodeFrame(Buffer.from('hi')), Buffer.from([0, 0, 0, 0, 2, 0x68, 0x69]))
    assert.deepEqual(encodeFrame(Buffer.alloc(0), true), Buffer.from([1, 0, 0, 0, 0]))
    assert.deepEqual(encodeFrame(Buffer.alloc(258)).subarray(0, 5), Buffer.from([0, 0, 0, 1, 2]))
  })

  test('the reader yields frames across chunk boundaries', () => {
    const reader = new GrpcFrameReader()
    const bytes = Buffer.concat([encodeFrame(Buffer.from('abc')), encodeFrame(Buffer.alloc(0), true)])
    const got = [...bytes].flatMap((b) => reader.push(Buffer.from([b])))
    assert.deepEqual(
      got.map((f) => [f.flags, f.payload.toString()]),
      [
        [0, 'abc'],
        [1, ''],
      ],
    )
    assert.equal(reader.buffered, 0)
    reader.end()
  })

  test('a message over the bound fails as soon as its header is seen, and stays failed', () => {
    const reader = new GrpcFrameReader(10)
    assert.equal(reader.push(encodeFrame(Buffer.alloc(10))).length, 1)
    assert.throws(
      () => reader.push(Buffer.from([0, 0, 0, 0, 11])),
      (err: unknown) => err instanceof GrpcFrameError && err.grpcStatus === GrpcStatus.RESOURCE_EXHAUSTED,
    )
    assert.throws(() => reader.push(Buffer.alloc(0)), GrpcFrameError)
  })

  test('end inside a frame is an error', () => {
    const reader = new GrpcFrameReader()
    reader.push(Buffer.from([0, 0, 0, 0, 3, 1]))
    assert.equal(reader.buffered, 6)
    assert.throws(
      () => reader.end(),
      (err: unknown) => err instanceof GrpcFrameError && err.grpcStatus === GrpcStatus.INTERNAL,
    )
  })

  test('property: any split of any frames gives the same frames back', () => {
    const frame = fc.record({
      flags: fc.integer({ min: 0, max: 255 }),
      payload: fc.uint8Array({ maxLength: 300 }),
    })
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, cuts) => {
          const wire = Buffer.concat(
            frames.map((f) => {
              const b = encodeFrame(Buffer.from(f.payload))
              b[0] = f.flags
              return b
            }),
          )
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b)
          const reader = new GrpcFrameReader(300)
          const got: { flags: number; payload: Buffer }[] = []
          let at = 0
          for (const p of [...points, wire.length]) {
            got.push(...reader.push(wire.subarray(at, p)))
            at = p
          }
          reader.end()
          assert.deepEqual(
            got.map((f) => ({ flags: f.flags, payload: [...f.payload] })),
            frames.map((f) => ({ flags: f.flags, payload: [...f.payload] })),
          )
        },
      ),
    )
  })
})

describe('health-check messages', () => {
  test('HealthCheckRequest bytes', () => {
    assert.deepEqual(encodeHealthCheckRequest(''), Buffer.alloc(0))
    assert.deepEqual(encodeHealthCheckRequest('a.B'), Buffer.from([0x0a, 3, 0x61, 0x2e, 0x42]))
    const long = encodeHealthCheckRequest('x'.repeat(300))
    assert.deepEqual(long.subarray(0, 3), Buffer.from([0x0a, 0xac, 0x02]))
    assert.equal(long.length, 303)
  })

  test('HealthCheckResponse status, with defaults and unknown fields', () => {
    assert.equal(decodeHealthCheckResponse(Buffer.alloc(0)), 0)
    assert.equal(decodeHealthCheckResponse(Buffer.from([0x08, 1])), 1)
    assert.equal(decodeHealthCheckResponse(Buffer.from([0x08, 2])), 2)
    // unknown fields of every wire type around it; the last value of a repeated field wins
    const noisy = Buffer.from([
      0x12, 2, 0x61, 0x62, 0x08, 3, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4, 0x28, 0x96, 0x01, 0x08, 1,
    ])
    assert.equal(decodeHealthCheckResponse(noisy), 1)
    // a negative enum value is a 10-byte varint
    assert.equal(
      decodeHealthCheckResponse(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1])),
      -1,
    )
  })

  test('malformed responses throw', () => {
    for (const bad of [[0x08], [0x08, 0x80], [0x12, 5, 1], [0x0b], [0x19, 1, 2], Array(11).fill(0xff)])
      assert.throws(() => decodeHealthCheckResponse(Buffer.from(bad)), Error, JSON.stringify(bad))
  })
})
