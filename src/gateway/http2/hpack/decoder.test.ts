import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HpackDecoder, HpackError } from './decoder.ts'

const NO_LIMIT = Number.MAX_SAFE_INTEGER

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex')
}

function decodeBlock(decoder: HpackDecoder, block: string, maxListSize = NO_LIMIT): string[] {
  const buf = hex(block)
  const out: string[] = []
  assert.equal(decoder.decode(buf, 0, buf.length, out, maxListSize), true)
  return out
}

function flat(fields: [string, string][]): string[] {
  return fields.flat()
}

describe('RFC 7541 Appendix C examples', () => {
  test('C.1 integers: 10 and 1337 in a 5-bit prefix (as dynamic table size updates)', () => {
    const decoder = new HpackDecoder()
    assert.deepEqual(decodeBlock(decoder, '2a'), []) // 001 01010: size update to 10
    assert.equal(decoder.tableMaxSize, 10)
    assert.deepEqual(decodeBlock(decoder, '3f 9a 0a'), []) // 001 11111, 154, 10: size update to 1337
    assert.equal(decoder.tableMaxSize, 1337)
  })

  test('C.2.1 literal field with indexing', () => {
    const decoder = new HpackDecoder()
    assert.deepEqual(
      decodeBlock(decoder, '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'),
      ['custom-key', 'custom-header'],
    )
    assert.deepEqual(decoder.entries(), [['custom-key', 'custom-header']])
    assert.equal(decoder.tableSize, 55)
  })

  test('C.2.2 literal field without indexing', () => {
    const decoder = new HpackDecoder()
    assert.deepEqual(decodeBlock(decoder, '040c 2f73 616d 706c 652f 7061 7468'), [':path', '/sample/path'])
    assert.equal(decoder.tableLength, 0)
  })

  test('C.2.3 literal field never indexed', () => {
    const decoder = new HpackDecoder()
    assert.deepEqual(decodeBlock(decoder, '1008 7061 7373 776f 7264 0673 6563 7265 74'), [
      'password',
      'secret',
    ])
    assert.equal(decoder.tableLength, 0)
  })

  test('C.2.4 indexed field', () => {
    const decoder = new HpackDecoder()
    assert.deepEqual(decodeBlock(decoder, '82'), [':method', 'GET'])
    assert.equal(decoder.tableLength, 0)
  })

  const request1 = [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com']
  const request2 = [...request1, 'cache-control', 'no-cache']
  const request3 = [
    ':method',
    'GET',
    ':scheme',
    'https',
    ':path',
    '/index.html',
    ':authority',
    'www.example.com',
    'custom-key',
    'custom-value',
  ]
  const table1: [string, string][] = [[':authority', 'www.example.com']]
  const table2: [string, string][] = [['cache-control', 'no-cache'], ...table1]
  const table3: [string, string][] = [['custom-key', 'custom-value'], ...table2]

  function checkRequests(blocks: string[]): void {
    const decoder = new HpackDecoder()
    assert.deepEqual(decodeBlock(decoder, blocks[0]!), request1)
    assert.deepEqual(decoder.entries(), table1)
    assert.equal(decoder.tableSize, 57)
    assert.deepEqual(decodeBlock(decoder, blocks[1]!), request2)
    assert.deepEqual(decoder.entries(), table2)
    assert.equal(decoder.tableSize, 110)
    assert.deepEqual(decodeBlock(decoder, blocks[2]!), request3)
    assert.deepEqual(decoder.entries(), table3)
    assert.equal(decoder.tableSize, 164)
  }

  test('C.3 requests without Huffman coding, three blocks on one decoder', () => {
    checkRequests([
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ])
  })

  test('C.4 requests with Huffman coding, three blocks on one decoder', () => {
    checkRequests([
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ])
  })

  const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT'
  const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT'
  const location = 'https://www.example.com'
  const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'

  function checkResponses(blocks: string[]): void {
    const decoder = new HpackDecoder(256)
    assert.deepEqual(decodeBlock(decoder, blocks[0]!), [
      ':status',
      '302',
      'cache-control',
      'private',
      'date',
      date1,
      'location',
      location,
    ])
    assert.deepEqual(decoder.entries(), [
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
      [':status', '302'],
    ])
    assert.equal(decoder.tableSize, 222)
    assert.deepEqual(decodeBlock(decoder, blocks[1]!), [
      ':status',
      '307',
      'cache-control',
      'private',
      'date',
      date1,
      'location',
      location,
    ])
    assert.deepEqual(decoder.entries(), [
      [':status', '307'],
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
    ])
    assert.equal(decoder.tableSize, 222)
    assert.deepEqual(
      decodeBlock(decoder, blocks[2]!),
      flat([
        [':status', '200'],
        ['cache-control', 'private'],
        ['date', date2],
        ['location', location],
        ['content-encoding', 'gzip'],
        ['set-cookie', cookie],
      ]),
    )
    assert.deepEqual(decoder.entries(), [
      ['set-cookie', cookie],
      ['content-encoding', 'gzip'],
      ['date', date2],
    ])
    assert.equal(decoder.tableSize, 215)
  }

  test('C.5 responses without Huffman coding, 256-octet table with evictions', () => {
    checkResponses([
      `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
       2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
       6c65 2e63 6f6d`,
      '4803 3330 37c1 c0bf',
      `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
       54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
       5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
       3d31`,
    ])
  })

  test('C.6 responses with Huffman coding, 256-octet table with evictions', () => {
    checkResponses([
      `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
       2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
      '4883 640e ffc1 c0bf',
      `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
       77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
       9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
    ])
  })
})

describe('malformed blocks are HpackErrors (the session sends COMPRESSION_ERROR)', () => {
  function rejects(block: string, message: RegExp, decoder = new HpackDecoder()): void {
    const buf = hex(block)
    assert.throws(
      () => decoder.decode(buf, 0, buf.length, [], NO_LIMIT),
      (error: unknown) => error instanceof HpackError && message.test(error.message),
    )
  }

  test('§6.1: index 0 in an indexed field', () => rejects('80', /index 0/))

  test('§2.3.3: index past the static and dynamic tables', () => {
    rejects('be', /past the end/) // 62 with an empty dynamic table
    rejects('7f 00 03 616263', /past the end/) // literal with a name index of 63
    const decoder = new HpackDecoder()
    decodeBlock(decoder, '4003 616263 01 78') // one dynamic entry: 62 is valid, 63 is not
    assert.deepEqual(decodeBlock(decoder, 'be'), ['abc', 'x'])
    rejects('bf', /past the end/, decoder)
  })

  test('§5.1: an integer with too many continuation octets', () => {
    rejects('ff 80 80 80 80 80 00', /continuation/)
  })

  test('§5.1: an integer above 2^31-1', () => rejects('ff ff ff ff ff 0f', /2\^31-1/))

  test('§5.1: an integer cut off by the end of the block', () => rejects('ff 80', /past the end/))

  test('§5.2: a string length past the end of the block', () => {
    rejects('40 05 616263', /past the end/) // name of 5 octets, 3 present
    rejects('41 7f ff 0f 61', /past the end/) // a huge value length
    rejects('41', /missing/) // the value is missing altogether
  })

  test('§5.2: Huffman padding longer than 7 bits', () => rejects('41 82 07ff', /padding/))

  test('§5.2: Huffman padding with a 0 bit', () => rejects('41 81 06', /padding/))

  test('§5.2: EOS inside a Huffman string', () => rejects('41 84 ffffffff', /EOS/))

  test('§6.3: a dynamic table size update above the maximum', () => {
    rejects('3f e2 1f', /exceeds the limit/) // 4097 > 4096
    rejects('3f 9a 0a', /exceeds the limit/, new HpackDecoder(1024)) // 1337 > 1024
  })

  test('§4.2: a dynamic table size update after a field', () => rejects('82 20', /after a field/))

  test('two size updates at the start of a block are fine (§4.2)', () => {
    const decoder = new HpackDecoder()
    decodeBlock(decoder, '4003 616263 01 78')
    assert.deepEqual(decodeBlock(decoder, '20 3f e1 1f 82'), [':method', 'GET']) // 0, then 4096
    assert.equal(decoder.tableLength, 0)
    assert.equal(decoder.tableMaxSize, 4096)
  })
})

describe('header list size (RFC 9113 §6.5.2)', () => {
  test('an HPACK bomb: one 4000-octet entry referenced 2000 times stays bounded, and the table stays in sync', () => {
    const decoder = new HpackDecoder()
    const big = 'v'.repeat(4000)
    // Block 1 adds x-big: vvvv… (4001 + 32 octets, fits the 4096-octet table).
    const block1 = Buffer.concat([hex('40 01 78 7f a1 1e'), Buffer.from(big, 'latin1')])
    const out1: string[] = []
    assert.equal(decoder.decode(block1, 0, block1.length, out1, 65536), true)
    assert.deepEqual(out1, ['x', big])
    // Block 2: 2000 one-octet references to it, then a new entry that must still enter the table.
    const block2 = Buffer.concat([Buffer.alloc(2000, 0xbe), hex('4003 616263 01 79')])
    const out2: string[] = []
    assert.equal(decoder.decode(block2, 0, block2.length, out2, 65536), false)
    assert.ok(out2.length <= 2 * 16, `kept ${out2.length / 2} fields`)
    assert.equal(decoder.entries()[0]![0], 'abc')
    // Block 3 refers to both entries by index: right only if block 2 was decoded to its end.
    assert.deepEqual(decodeBlock(decoder, 'be bf'), ['abc', 'y', 'x', big])
  })

  test('fields after the limit is crossed are not appended, even small ones', () => {
    const decoder = new HpackDecoder()
    const out: string[] = []
    const buf = hex('82 86 84')
    // Each static field costs name + value + 32: 7+3+32 = 42, 7+4+32 = 43.
    assert.equal(decoder.decode(buf, 0, buf.length, out, 90), false)
    assert.deepEqual(out, [':method', 'GET', ':scheme', 'http'])
  })

  test('fields past the limit are still checked: bad Huffman in a skipped field is an error', () => {
    const buf = hex('82 00 0161 8106') // :method GET, then a: <Huffman with a 0 in its padding>
    assert.throws(() => new HpackDecoder().decode(buf, 0, buf.length, [], 10), /padding/)
  })

  test('decodes a block in the middle of a larger buffer', () => {
    const decoder = new HpackDecoder()
    const buf = hex('ff ff 82 86 ff')
    const out: string[] = []
    assert.equal(decoder.decode(buf, 2, 4, out, NO_LIMIT), true)
    assert.deepEqual(out, [':method', 'GET', ':scheme', 'http'])
  })
})
