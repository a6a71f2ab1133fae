// What a client asks of a mock answer, as Prism reads it: the `Prefer` field (`code=404`,
// `example=dog`, `dynamic=true`, joined by commas or semicolons) or the same names as query parameters
// with two underscores (`?__code=404`), which win.

export interface MockPreferences {
  /** The status wanted (`code=404`), 200–599. */
  readonly code?: number
  /** A named example of the response (`example=dog`). */
  readonly example?: string
  /** Generated from the schema with a fresh seed, examples ignored (`dynamic=true`). */
  readonly dynamic?: boolean
}

export function parsePrefer(prefer: string | string[] | undefined, query?: URLSearchParams): MockPreferences {
  const values = new Map<string, string>()
  const fields = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer]
  for (const field of fields)
    for (const part of field.split(/[,;]/)) {
      const eq = part.indexOf('=')
      if (eq < 0) continue
      const name = part.slice(0, eq).trim().toLowerCase()
      const value = part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
      if (!values.has(name)) values.set(name, value)
    }
  for (const name of ['code', 'example', 'dynamic']) {
    const v = query?.get(`__${name}`)
    if (v !== null && v !== undefined) values.set(name, v)
  }
  const out: { code?: number; example?: string; dynamic?: boolean } = {}
  const code = values.get('code')
  // 1xx are interim answers, never the one a mock can end with.
  if (code !== undefined && /^[2-5]\d\d$/.test(code)) out.code = Number(code)
  const example = values.get('example')
  if (example) out.example = example
  const dynamic = values.get('dynamic')
  if (dynamic !== undefined) out.dynamic = dynamic.toLowerCase() === 'true'
  return out
}
