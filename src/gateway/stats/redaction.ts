// What the request inspector never shows: secret header values and JSON body fields with secret
// names. Applied when a record is read, never on the request path.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

export const REDACTED = '[redacted]'
const ALWAYS_SECRET = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']

export type HeaderMap = Record<string, string | string[]>

export class Redactor {
  #headers: ReadonlySet<string> = new Set(ALWAYS_SECRET)
  #fields: ReadonlySet<string> = new Set()

  constructor(headers: readonly string[] = [], fields: readonly string[] = []) {
    this.configure(headers, fields)
  }

  /** `headers`: more secret header names; `fields`: JSON field names (matched case-insensitively). */
  configure(headers: readonly string[], fields: readonly string[]): void {
    this.#headers = new Set([...ALWAYS_SECRET, ...headers.map((h) => h.toLowerCase())])
    this.#fields = new Set(fields.map((f) => f.toLowerCase()))
  }

  secretHeader(name: string): boolean {
    return this.#headers.has(name.toLowerCase())
  }

  headers(headers: IncomingHttpHeaders | OutgoingHttpHeaders | HeaderMap | undefined): HeaderMap {
    const out: HeaderMap = {}
    if (!headers) return out
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) continue
      const name = k.toLowerCase()
      out[name] = this.#headers.has(name) ? REDACTED : Array.isArray(v) ? v.map(String) : String(v)
    }
    return out
  }

  /** A parsed JSON value with every field of a secret name replaced (deeply); counts replacements. */
  json(value: unknown): { value: unknown; redacted: number } {
    let redacted = 0
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk)
      if (v === null || typeof v !== 'object') return v
      const out: Record<string, unknown> = {}
      for (const [k, inner] of Object.entries(v)) {
        if (this.#fields.has(k.toLowerCase())) {
          out[k] = REDACTED
          redacted++
        } else out[k] = walk(inner)
      }
      return out
    }
    return { value: walk(value), redacted }
  }

  /**
   * JSON text that does not parse (cut at the cap): `"name": "value"` pairs of secret names are
   * replaced in place, as far as the text goes.
   */
  jsonText(text: string): string {
    if (this.#fields.size === 0) return text
    return text.replace(/"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[-\w.+]+)/g, (all, name, colon) =>
      this.#fields.has(String(name).toLowerCase()) ? `"${name}"${colon}"${REDACTED}"` : all,
    )
  }

  /** `a=1&password=x` form bodies: values of secret names replaced. */
  form(text: string): string {
    return text
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        const name = eq < 0 ? pair : pair.slice(0, eq)
        let decoded = name
        try {
          decoded = decodeURIComponent(name.replace(/\+/g, ' '))
        } catch {}
        return eq >= 0 && this.#fields.has(decoded.toLowerCase()) ? `${name}=${REDACTED}` : pair
      })
      .join('&')
  }
}
