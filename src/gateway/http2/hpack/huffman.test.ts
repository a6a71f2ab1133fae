import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { HpackError } from './hpack-error.ts'
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from './huffman.ts'

function encode(s: string): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(s))
  assert.equal(huffmanEncode(s, out, 0), out.length)
  return out
}

function decode(hex: string): string {
  const buf = Buffer.from(hex.replaceAll(' ', ''), 'hex')
  return huffmanDecode(buf, 0, buf.length)
}

test('encodes and decodes the Huffman strings of RFC 7541 C.4 and C.6', () => {
  const examples: [string, string][] = [
    ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
    ['no-cache', 'a8eb 1064 9cbf'],
    ['custom-key', '25a8 49e9 5ba9 7d7f'],
    ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
    ['302', '6402'],
    ['private', 'aec3 771a 4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
    ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
    ['gzip', '9bd9 ab'],
    [
      'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
      '94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ],
  ]
  for (const [text, hex] of examples) {
    assert.equal(encode(text).toString('hex'), hex.replaceAll(' ', ''), text)
    assert.equal(decode(hex), text)
  }
})

test('every latin1 octet, long codes included, survives a round trip', () => {
  const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))
  const coded = encode(all)
  assert.equal(huffmanDecode(coded, 0, coded.length), all)
  assert.equal(huffmanDecode(Buffer.alloc(0), 0, 0), '')
  fc.assert(
    fc.property(
      fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) }),
      (s) => {
        const out = encode(s)
        assert.equal(huffmanDecode(out, 0, out.length), s)
      },
    ),
  )
})

test('decodes within a larger buffer at an offset', () => {
  const buf = Buffer.concat([Buffer.from([0, 0, 0]), encode('no-cache'), Buffer.from([0])])
  assert.equal(huffmanDecode(buf, 3, buf.length - 1), 'no-cache')
})

test('RFC 7541 §5.2: padding longer than 7 bits is an error', () => {
  // '0' is 00000, padded with 111 to a full octet; a whole extra 0xff octet of padding is 11 bits.
  assert.equal(decode('07'), '0')
  assert.throws(() => decode('07 ff'), HpackError)
  assert.throws(() => decode('ff'), HpackError) // 8 bits of padding and no symbol
})

test('RFC 7541 §5.2: padding that is not a prefix of EOS (a 0 bit) is an error', () => {
  assert.throws(() => decode('06'), HpackError) // '0' then padding 110
  assert.throws(() => decode('00'), HpackError) // '0' then padding 000 (a truncated symbol)
})

test('RFC 7541 §5.2: the EOS symbol inside a string is an error', () => {
  // EOS is 30 ones; followed by 2 bits of padding it fills exactly four octets.
  assert.throws(() => decode('ff ff ff ff'), /EOS/)
  // 'a' (00011) then EOS then padding.
  assert.throws(() => decode('1f ff ff ff fc'), /EOS/)
})
