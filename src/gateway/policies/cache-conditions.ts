// Conditional requests around stored responses: a client's If-None-Match / If-Modified-Since answered
// from a fresh entry (RFC 9111 §4.3.2, RFC 9110 §13.1), the conditions the cache sends to validate a
// stale one (§4.3.1), and the stored head a 304 updates (§4.3.4, §3.2).
import { parseHttpDate } from '../http/http-date.ts'
import type { RequestHead } from '../http/request-head.ts'
import type { ResponseFields } from '../http/response-fields.ts'
import type { StoredFreshness } from './cache-freshness.ts'

const ENTITY_TAG = /(?:W\/)?"[^"]*"/g

/** Weak comparison (RFC 9110 §8.8.3.2): the opaque tags match, whatever their W/ flags. */
function weakMatch(a: string, b: string): boolean {
  return (a.startsWith('W/') ? a.slice(2) : a) === (b.startsWith('W/') ? b.slice(2) : b)
}

function fieldText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v
}

/**
 * Whether the client's conditions say its copy is current, so the cache answers 304. If-None-Match
 * wins over If-Modified-Since (RFC 9110 §13.2.2); If-Modified-Since counts for GET and HEAD only and
 * compares with Last-Modified, else Date, else when the response was stored (RFC 9111 §4.3.2).
 */
export function clientHasCurrent(req: RequestHead, stored: StoredFreshness): boolean {
  const inm = fieldText(req.headers['if-none-match'])
  if (inm !== undefined) {
    if (inm.trim() === '*') return true
    const etag = stored.etag
    if (etag === undefined) return false
    for (const tag of inm.match(ENTITY_TAG) ?? []) if (weakMatch(tag, etag)) return true
    return false
  }
  const ims = req.headers['if-modified-since']
  if (typeof ims !== 'string' || (req.method !== 'GET' && req.method !== 'HEAD')) return false
  const since = parseHttpDate(ims)
  return since !== undefined && stored.modifiedAt <= since
}

/** The request fields that validate a stored response upstream; the client's own conditions give way. */
export function validatingConditions(stored: StoredFreshness): Record<string, string | undefined> {
  return { 'if-none-match': stored.etag, 'if-modified-since': stored.lastModified }
}

/** Whether a stored response can be validated at all. */
export function hasValidator(stored: StoredFreshness): boolean {
  return stored.etag !== undefined || stored.lastModified !== undefined
}

/**
 * What a 304 carries (RFC 9110 §15.4.5): the fields a 200 would have sent of these, and no content
 * metadata (Last-Modified kept: it guides the client's cache when there is no ETag).
 */
const NOT_MODIFIED_FIELDS = [
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
  'last-modified',
]

export function notModifiedFields(stored: ResponseFields): ResponseFields {
  const out: ResponseFields = {}
  for (const name of NOT_MODIFIED_FIELDS) {
    const v = stored[name]
    if (v !== undefined) out[name] = v
  }
  return out
}

/**
 * The stored head after a 304 (RFC 9111 §3.2): each field the 304 carries replaces the stored one,
 * except Content-Length (it describes the stored content, which the 304 does not change) and the
 * fields the cache writes itself.
 */
export function updatedHead(stored: ResponseFields, notModified: ResponseFields): ResponseFields {
  const out: ResponseFields = { ...stored }
  for (const name in notModified) {
    if (name === 'content-length' || name === 'x-cache' || name === 'age') continue
    out[name] = notModified[name] as string | string[]
  }
  return out
}
