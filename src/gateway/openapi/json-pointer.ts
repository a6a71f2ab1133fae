// JSON pointers into an OpenAPI document, and the local `$ref`s between its parts.

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1')
}

export function at(doc: unknown, pointer: string): unknown {
  let cur = doc
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (!cur || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

/** Follows a local `$ref` to its pointer (parameters, request bodies, responses). */
export function deref(doc: unknown, pointer: string): { pointer: string; value: Record<string, unknown> } {
  let p = pointer
  for (let i = 0; i < 10; i++) {
    const v = at(doc, p) as Record<string, unknown> | undefined
    if (v && typeof v.$ref === 'string' && v.$ref.startsWith('#/')) p = v.$ref.slice(1)
    else return { pointer: p, value: v ?? {} }
  }
  return { pointer: p, value: {} }
}
