// What may stand in an HTTP/1.1 field name, field value and request target (RFC 9110 §5, RFC 9112 §3).
// The same rules node:http's writeHead applies, so a message the upstream parser accepts can be written
// by every front-end without throwing half-way through a response.

/** token (RFC 9110 §5.6.2): a field name, a method. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Anything but visible ASCII, obs-text, SP and HTAB: a CR, LF, NUL or other control in a field value. */
const UNSAFE_VALUE = /[^\t\x20-\x7e\x80-\xff]/
/** A request target holds visible ASCII only (RFC 3986 characters; a tab or obs-text byte is refused). */
const UNSAFE_TARGET = /[^\x21-\x7e]/

export function isToken(s: string): boolean {
  return TOKEN.test(s)
}

export function isSafeFieldValue(s: string): boolean {
  return !UNSAFE_VALUE.test(s)
}

export function isSafeTarget(s: string): boolean {
  return !UNSAFE_TARGET.test(s)
}
