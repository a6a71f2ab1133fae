import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { HpackDecoder } from './decoder.ts'
import { HpackEncoder } from './encoder.ts'
import { writeInteger } from './integer.ts'

const NO_LIMIT = Number.MAX_SAFE_INTEGER

function hex(s: string): string {
  return s.replace(/\s+/g, '')
}

function decode(decoder: HpackDecoder, block: Buffer): string[] {
  const out: string[] = []
  assert.equal(decoder.decode(block, 0, block.length, out, NO_LIMIT), true)
  return out
}

describe('RFC 7541 Appendix C', () => {
  test('C.1 integers: 10 and 1337 in a 5-bit prefix, 42 in an 8-bit prefix', () => {
    const out = Buffer.alloc(8)
    assert.equal(out.subarray(0, writeInteger(out, 0, 0, 5, 10)).toString('hex'), '0a')
    assert.equal(out.subarray(0, writeInteger(out, 0, 0, 5, 1337)).toString('hex'), '1f9a0a')
    assert.equal(out.subarray(0, writeInteger(out, 0, 0, 8, 42)).toString('hex'), '2a')
  })

  test('C.4 requests: the encoder writes the exact bytes of the RFC, and our decoder reads them back', () => {
    const encoder = new HpackEncoder()
    const decoder = new HpackDecoder()
    const request1 = [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com']
    const request2 = [...request1, 'cache-control', 'no-cache']
    const request3 = [
      ...[':method', 'GET', ':scheme', 'https', ':path', '/index.html', ':authority', 'www.example.com'],
      ...['custom-key', 'custom-value'],
    ]
    const expected = [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ]
    for (const [i, fields] of [request1, request2, request3].entries()) {
      const block = encoder.encode(fields)
      assert.equal(block.toString('hex'), hex(expected[i]!))
      assert.deepEqual(decode(decoder, block), fields)
    }
    assert.deepEqual(encoder.entries(), decoder.entries())
    assert.equal(encoder.tableSize, 164)
  })

  test('C.6 responses with a 256-octet table round-trip with evictions in step', () => {
    const encoder = new HpackEncoder(256)
    const decoder = new HpackDecoder(256)
    const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT'
    const location = 'https://www.example.com'
    const responses = [
      [':status', '302', 'cache-control', 'private', 'date', date1, 'location', location],
      [':status', '307', 'cache-control', 'private', 'date', date1, 'location', location],
      [
        ...[':status', '200', 'cache-control', 'private', 'date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
        ...['location', location, 'content-encoding', 'gzip'],
        ...['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
      ],
    ]
    for (const fields of responses) {
      assert.deepEqual(decode(decoder, encoder.encode(fields)), fields)
      assert.deepEqual(encoder.entries(), decoder.entries())
      assert.ok(encoder.tableSize <= 256)
    }
  })
})

describe('indexing policy', () => {
  test('a repeated field costs one octet: an index into the dynamic table', () => {
    const encoder = new HpackEncoder()
    encoder.encode(['x-request-id', 'abc', 'user-agent', 'h2load'])
    assert.equal(encoder.encode(['x-request-id', 'abc', 'user-agent', 'h2load']).toString('hex'), 'bfbe')
  })

  test('a new value of a known name refers to the name by index', () => {
    const encoder = new HpackEncoder()
    encoder.encode(['x-request-id', 'abc'])
    // 01 111110 (literal with indexing, name index 62), then the Huffman-coded value.
    assert.equal(encoder.encode(['x-request-id', 'abd'])[0], 0x7e)
  })

  test('RFC 7541 §7.1.3: authorization, cookie, set-cookie and proxy-authorization are never indexed', () => {
    const encoder = new HpackEncoder()
    const decoder = new HpackDecoder()
    for (const name of ['authorization', 'cookie', 'set-cookie', 'proxy-authorization']) {
      const fields = [name, 'secret-token-1']
      for (let i = 0; i < 2; i++) {
        const block = encoder.encode(fields)
        assert.equal(block[0]! & 0xf0, 0x10, `${name} is a never-indexed literal`)
        assert.deepEqual(decode(decoder, block), fields)
      }
    }
    assert.equal(encoder.tableLength, 0)
    assert.equal(decoder.tableLength, 0)
  })

  test('a value over a quarter of the table is sent without indexing', () => {
    const encoder = new HpackEncoder()
    const block = encoder.encode(['x-big', 'a'.repeat(1100)])
    assert.equal(block[0]! & 0xf0, 0x00)
    assert.equal(encoder.tableLength, 0)
    assert.deepEqual(decode(new HpackDecoder(), block), ['x-big', 'a'.repeat(1100)])
  })

  test('Huffman coding only when it is shorter', () => {
    const encoder = new HpackEncoder()
    const binary = '\u00ff\u00fe\u00fd' // long codes: raw is shorter
    const block = encoder.encode(['x-raw', binary])
    assert.equal(block.subarray(block.length - 4).toString('latin1'), `\u0003${binary}`)
  })
})

describe('dynamic table size updates (RFC 7541 §4.2, §6.3)', () => {
  test("the block after the peer's new limit starts with a size update and the tables stay in step", () => {
    const encoder = new HpackEncoder()
    const decoder = new HpackDecoder()
    decode(decoder, encoder.encode(['x-a', '1', 'x-b', '2']))
    encoder.setPeerMaxTableSize(0)
    decoder.setMaxTableSize(0)
    const block = encoder.encode(['x-a', '1'])
    assert.equal(block[0], 0x20) // size update to 0
    assert.deepEqual(decode(decoder, block), ['x-a', '1'])
    assert.equal(decoder.tableLength, 0)
    assert.equal(encoder.tableLength, 0)
  })

  test('a limit lowered then raised between blocks sends the minimum, then the final size', () => {
    const encoder = new HpackEncoder()
    const decoder = new HpackDecoder()
    decode(decoder, encoder.encode(['x-a', '1']))
    encoder.setPeerMaxTableSize(100)
    encoder.setPeerMaxTableSize(4096)
    const block = encoder.encode(['x-a', '1'])
    assert.equal(block.subarray(0, 5).toString('hex'), '3f45' + '3fe11f') // 100, then 4096
    assert.deepEqual(decode(decoder, block), ['x-a', '1'])
    assert.deepEqual(encoder.entries(), decoder.entries())
  })

  test('the decoder refuses a block that omits the size update its lowered limit requires', () => {
    const decoder = new HpackDecoder()
    decoder.setMaxTableSize(100)
    const block = new HpackEncoder().encode([':method', 'GET'])
    assert.throws(() => decoder.decode(block, 0, block.length, [], NO_LIMIT), /size update/)
  })
})

describe('fast-check: encode → decode is the identity over block sequences', () => {
  const latin1 = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c))
  const name = fc.oneof(
    fc.constantFrom(
      ':status',
      'content-type',
      'cookie',
      'set-cookie',
      'authorization',
      'x-id',
      'date',
      'accept',
    ),
    fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  )
  const value = fc.oneof(
    fc.constantFrom('', '200', 'GET', 'text/html', 'gzip, deflate'),
    fc.string({ unit: latin1, maxLength: 40 }),
    fc.string({ unit: latin1, minLength: 500, maxLength: 3000 }),
  )
  const field = fc.tuple(name, value)
  const step = fc.record({
    fields: fc.array(field, { maxLength: 12 }),
    repeatPrevious: fc.boolean(),
    newPeerSize: fc.option(fc.constantFrom(0, 64, 256, 1024, 4096), { nil: undefined }),
  })

  test('random field lists, repeats, non-ASCII octets, empty and long values, changing table sizes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(256, 4096),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        (initial, steps) => {
          const encoder = new HpackEncoder(initial)
          const decoder = new HpackDecoder(initial)
          let previous: string[] = []
          for (const { fields, repeatPrevious, newPeerSize } of steps) {
            if (newPeerSize !== undefined && newPeerSize <= initial) {
              encoder.setPeerMaxTableSize(newPeerSize)
              decoder.setMaxTableSize(newPeerSize)
            }
            const list = [...(repeatPrevious ? previous : []), ...fields.flat()]
            const out: string[] = []
            const block = encoder.encode(list)
            assert.equal(decoder.decode(block, 0, block.length, out, NO_LIMIT), true)
            assert.deepEqual(out, list)
            assert.deepEqual(encoder.entries(), decoder.entries())
            previous = list
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
