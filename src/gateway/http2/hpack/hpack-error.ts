/** A malformed header block (RFC 7541): the HTTP/2 session answers with GOAWAY COMPRESSION_ERROR. */
export class HpackError extends Error {
  override name = 'HpackError'
}
