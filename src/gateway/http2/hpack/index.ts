// HPACK (RFC 7541): header compression for the HTTP/2 sessions.
export { HpackDecoder, HpackError } from './decoder.ts'
export { HpackEncoder } from './encoder.ts'
