// HPACK Huffman coding (RFC 7541 §5.2) over latin1 strings. Decoding walks a state machine built once at
// load from the code in huffman-table.ts: one table look-up per input octet.
import { HpackError } from './hpack-error.ts'
import { EOS, HUFFMAN_BITS, HUFFMAN_CODE } from './huffman-table.ts'

/** Octets `s` takes Huffman-coded, padding included. */
export function huffmanEncodedLength(s: string): number {
  let bits = 0
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_BITS[s.charCodeAt(i) & 0xff]!
  return (bits + 7) >> 3
}

/** Writes `s` Huffman-coded at `offset` (the caller made room: huffmanEncodedLength); returns the end. */
export function huffmanEncode(s: string, out: Uint8Array, offset: number): number {
  let acc = 0 // pending bits, right-aligned; kept under 8 between symbols so shifts stay within 32 bits
  let pending = 0
  let o = offset
  for (let i = 0; i < s.length; i++) {
    const symbol = s.charCodeAt(i) & 0xff
    let code = HUFFMAN_CODE[symbol]!
    let bits = HUFFMAN_BITS[symbol]!
    if (bits > 24) {
      // Rare long codes go in two parts so `acc` never holds more than 31 bits.
      const high = bits - 16
      acc = (acc << high) | (code >>> 16)
      pending += high
      while (pending >= 8) {
        pending -= 8
        out[o++] = acc >>> pending
      }
      acc &= (1 << pending) - 1
      code &= 0xffff
      bits = 16
    }
    acc = (acc << bits) | code
    pending += bits
    while (pending >= 8) {
      pending -= 8
      out[o++] = acc >>> pending
    }
    acc &= (1 << pending) - 1
  }
  // Pad with the most significant bits of EOS: all ones.
  if (pending > 0) out[o++] = (acc << (8 - pending)) | (0xff >>> pending)
  return o
}

// Decoder state machine: a state is an internal node of the code tree (256 of them, root = 0). For each
// state and input octet, TRANSITIONS holds the next state (bits 0-7), how many symbols the octet completes
// (bits 8-9: 0, 1 or 2, as the shortest code has 5 bits), those symbols (bits 10-17, 18-25), whether the
// string may end there (ACCEPT: at the root, or at most 7 bits down the all-ones path of EOS padding) and
// whether the octet completes EOS (FAIL).
const ACCEPT = 1 << 26
const FAIL = 1 << 27
/** Built on the first decode (256 KiB): a gateway that never sees HTTP/2 does not pay for it. */
let TRANSITIONS: Uint32Array | undefined

function buildTransitions(): Uint32Array {
  // child[2 * node + bit]: an internal node (≥ 0) or a leaf, -1 - symbol.
  const child = new Int32Array(2 * 256).fill(-1 - 0x10000)
  let nodes = 1
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const bits = HUFFMAN_BITS[symbol]!
    const code = HUFFMAN_CODE[symbol]!
    let node = 0
    for (let b = bits - 1; b > 0; b--) {
      const slot = 2 * node + ((code >>> b) & 1)
      if (child[slot]! < 0) child[slot] = nodes++
      node = child[slot]!
    }
    child[2 * node + (code & 1)] = -1 - symbol
  }
  // States on the all-ones path within 7 bits of the root are valid places for the string to end.
  const acceptable = new Uint8Array(256)
  for (let node = 0, depth = 0; depth <= 7; depth++, node = child[2 * node + 1]!) acceptable[node] = 1

  const table = new Uint32Array(256 * 256)
  for (let state = 0; state < 256; state++) {
    for (let octet = 0; octet < 256; octet++) {
      let node = state
      let count = 0
      let entry = 0
      for (let b = 7; b >= 0; b--) {
        const next = child[2 * node + ((octet >>> b) & 1)]!
        if (next >= 0) {
          node = next
          continue
        }
        const symbol = -1 - next
        if (symbol === EOS) entry |= FAIL
        else entry |= symbol << (10 + 8 * count++)
        node = 0
      }
      table[state * 256 + octet] = entry | node | (count << 8) | (acceptable[node] ? ACCEPT : 0)
    }
  }
  return table
}

let scratch = Buffer.allocUnsafe(256)

/** Decodes the Huffman-coded octets buf[start..end) to a latin1 string; throws HpackError if malformed. */
export function huffmanDecode(buf: Uint8Array, start: number, end: number): string {
  // Every symbol takes at least 5 bits, so the text is at most 8/5 of the input.
  const most = (((end - start) * 8) / 5 + 1) | 0
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length))
  const text = scratch
  if (TRANSITIONS === undefined) TRANSITIONS = buildTransitions()
  const transitions = TRANSITIONS
  let n = 0
  let entry = ACCEPT
  for (let i = start; i < end; i++) {
    entry = transitions[((entry & 0xff) << 8) | buf[i]!]!
    if (entry & FAIL) throw new HpackError('Huffman-coded string contains EOS (RFC 7541 §5.2)')
    const count = (entry >>> 8) & 3
    if (count > 0) {
      text[n++] = entry >>> 10
      if (count > 1) text[n++] = entry >>> 18
    }
  }
  if (!(entry & ACCEPT)) {
    throw new HpackError('Huffman padding is longer than 7 bits or not all ones (RFC 7541 §5.2)')
  }
  return text.toString('latin1', 0, n)
}
