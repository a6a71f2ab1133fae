// What makes an HTTP/2 field malformed (RFC 9113 §8.2): the same rules for requests from clients and
// responses from upstreams, so neither side can carry a field an HTTP/1.1 hop would read differently
// (a CR LF, a connection-specific field, a name that is not a lower-case token).
import { isSafeFieldValue } from '../http/field-syntax.ts'

/** §8.2.2: fields that are about a connection, which HTTP/2 does not have. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
])
/** A lower-case token (§8.2.1: upper case in a field name makes the message malformed). */
const LOWER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/

function isOws(s: string, at: number): boolean {
  const c = s.charCodeAt(at)
  return c === 32 || c === 9
}

/** Why a regular (non-pseudo) field makes the message malformed, or undefined. */
export function fieldProblem(name: string, value: string): string | undefined {
  if (!LOWER_TOKEN.test(name)) return `the field name "${name.slice(0, 40)}" is not a lower-case token`
  if (!isSafeFieldValue(value) || (value.length > 0 && (isOws(value, 0) || isOws(value, value.length - 1))))
    return `the value of ${name} holds characters a field value cannot`
  if (CONNECTION_SPECIFIC.has(name)) return `${name} is connection-specific (not allowed in HTTP/2)`
  if (name === 'te' && value.toLowerCase() !== 'trailers') return 'te other than "trailers"'
  return undefined
}

/** Why a trailer section is malformed (a pseudo-header, or a bad field), or undefined. */
export function trailersProblem(fields: readonly string[]): string | undefined {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string
    if (name.charCodeAt(0) === 58) return `the pseudo-header ${name.slice(0, 40)} in trailers`
    const problem = fieldProblem(name, fields[i + 1] as string)
    if (problem !== undefined) return problem
  }
  return undefined
}

/** A content-length value as a number, or -1 when it is not one (§8.1.1 then: malformed). */
export function contentLengthOf(value: string): number {
  return /^\d{1,15}$/.test(value) ? Number(value) : -1
}
