import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EOS, HUFFMAN_BITS, HUFFMAN_CODE } from './huffman-table.ts'
import { STATIC_INDEX, STATIC_NAMES, STATIC_VALUES } from './static-table.ts'

test('the Huffman table is the canonical, complete code of RFC 7541 Appendix B', () => {
  // Appendix B's code is canonical: sorted by (length, symbol), each code is the previous plus one, shifted
  // to the new length. Recomputing it from the lengths catches a mistyped code; the Kraft sum catches a
  // mistyped length (a complete prefix code sums to exactly 1).
  const order = [...Array(EOS + 1).keys()].sort((a, b) => HUFFMAN_BITS[a]! - HUFFMAN_BITS[b]! || a - b)
  let code = 0
  let previousBits = HUFFMAN_BITS[order[0]!]!
  let kraft = 0
  for (const [i, symbol] of order.entries()) {
    const bits = HUFFMAN_BITS[symbol]!
    if (i > 0) code = (code + 1) * 2 ** (bits - previousBits)
    previousBits = bits
    assert.equal(HUFFMAN_CODE[symbol], code, `symbol ${symbol}`)
    kraft += 2 ** (30 - bits)
  }
  assert.equal(kraft, 2 ** 30)
  assert.deepEqual([HUFFMAN_CODE[EOS], HUFFMAN_BITS[EOS]], [0x3fffffff, 30])
  assert.deepEqual([HUFFMAN_CODE[48], HUFFMAN_BITS[48]], [0x0, 5]) // '0'
})

test('the static table has the 61 entries of RFC 7541 Appendix A and indexes them both ways', () => {
  assert.equal(STATIC_NAMES.length, 62)
  assert.deepEqual([STATIC_NAMES[1], STATIC_VALUES[1]], [':authority', ''])
  assert.deepEqual([STATIC_NAMES[16], STATIC_VALUES[16]], ['accept-encoding', 'gzip, deflate'])
  assert.deepEqual([STATIC_NAMES[61], STATIC_VALUES[61]], ['www-authenticate', ''])
  assert.equal(STATIC_INDEX.get(':status')?.values.get('404'), 13)
  assert.equal(STATIC_INDEX.get(':status')?.index, 8) // the lowest index of a name
  assert.equal(STATIC_INDEX.get('set-cookie')?.index, 55)
  assert.equal(STATIC_INDEX.get(':status')?.values.get('201'), undefined)
  assert.equal(STATIC_INDEX.get('x-unknown'), undefined)
})
