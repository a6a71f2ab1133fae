// HPACK integers (RFC 7541 §5.1): a value in an N-bit prefix, continued in 7-bit groups when it does not fit.

/** §5.1 integer with an N-bit prefix; `flags` fills the bits above the prefix. */
export function writeInteger(
  out: Uint8Array,
  o: number,
  flags: number,
  prefixBits: number,
  value: number,
): number {
  const max = (1 << prefixBits) - 1
  if (value < max) {
    out[o++] = flags | value
    return o
  }
  out[o++] = flags | max
  value -= max
  while (value >= 0x80) {
    out[o++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  out[o++] = value
  return o
}
