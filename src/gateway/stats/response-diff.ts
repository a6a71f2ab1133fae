// What a replay answered differently from the original: status, headers added/removed/changed, and
// the body field by field when both are JSON (line by line otherwise).
import type { ResponseDiff } from '../model/index.ts'
import type { HeaderMap } from './redaction.ts'

/** Fields that differ on every answer: not worth showing as a change. */
const ALWAYS_CHANGE = new Set(['date', 'age'])
/** Most changes listed; the rest are counted in a note. */
const MAX_CHANGES = 200

const text = (v: string | string[]) => (Array.isArray(v) ? v.join(', ') : v)

export function diffResponses(
  before: { status: number; headers: HeaderMap; body: string | undefined },
  after: { status: number; headers: HeaderMap; body: string },
): ResponseDiff {
  const added: ResponseDiff['headers']['added'] = []
  const removed: ResponseDiff['headers']['removed'] = []
  const changed: ResponseDiff['headers']['changed'] = []
  for (const [name, value] of Object.entries(before.headers)) {
    if (ALWAYS_CHANGE.has(name)) continue
    const now = after.headers[name]
    if (now === undefined) removed.push({ name, value: text(value) })
    else if (text(now) !== text(value)) changed.push({ name, from: text(value), to: text(now) })
  }
  for (const [name, value] of Object.entries(after.headers))
    if (!ALWAYS_CHANGE.has(name) && before.headers[name] === undefined)
      added.push({ name, value: text(value) })
  return {
    ...(before.status !== after.status ? { status: { from: before.status, to: after.status } } : {}),
    headers: { added, removed, changed },
    body: diffBodies(before.body, after.body),
  }
}

function diffBodies(before: string | undefined, after: string): ResponseDiff['body'] {
  if (before === undefined)
    return { kind: 'text', changes: [], note: 'the original response body was not kept: nothing to compare' }
  if (before === after) return { kind: 'same', changes: [] }
  const a = parseJson(before)
  const b = parseJson(after)
  if (a.ok && b.ok) {
    const changes: ResponseDiff['body']['changes'] = []
    diffJson('$', a.value, b.value, changes)
    return limited('json', changes)
  }
  const from = before.split('\n')
  const to = after.split('\n')
  const changes: ResponseDiff['body']['changes'] = []
  for (let i = 0; i < Math.max(from.length, to.length); i++)
    if (from[i] !== to[i])
      changes.push({
        path: `line ${i + 1}`,
        ...(from[i] !== undefined ? { from: from[i] } : {}),
        ...(to[i] !== undefined ? { to: to[i] } : {}),
      })
  return limited('text', changes)
}

function limited(kind: 'json' | 'text', changes: ResponseDiff['body']['changes']): ResponseDiff['body'] {
  if (changes.length <= MAX_CHANGES) return { kind, changes }
  return {
    kind,
    changes: changes.slice(0, MAX_CHANGES),
    note: `${changes.length - MAX_CHANGES} more changes not listed`,
  }
}

function parseJson(s: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(s) }
  } catch {
    return { ok: false }
  }
}

const show = (v: unknown) => JSON.stringify(v)

function diffJson(path: string, a: unknown, b: unknown, out: ResponseDiff['body']['changes']): void {
  if (out.length > MAX_CHANGES) return
  const objA = a !== null && typeof a === 'object'
  const objB = b !== null && typeof b === 'object'
  if (!objA || !objB || Array.isArray(a) !== Array.isArray(b)) {
    if (show(a) !== show(b)) out.push({ path, from: show(a), to: show(b) })
    return
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`
      if (i >= a.length) out.push({ path: p, to: show(b[i]) })
      else if (i >= b.length) out.push({ path: p, from: show(a[i]) })
      else diffJson(p, a[i], b[i], out)
    }
    return
  }
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    const p = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
    if (!(key in rb)) out.push({ path: p, from: show(ra[key]) })
    else if (!(key in ra)) out.push({ path: p, to: show(rb[key]) })
    else diffJson(p, ra[key], rb[key], out)
  }
}
