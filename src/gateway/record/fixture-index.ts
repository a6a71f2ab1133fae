// Which recorded answer a replayed request gets: method, path, query (in any order) and, for methods
// with a body, the body's bytes. Requests with the same key get their answers in recorded order; after
// the last one, the last one again (a poll that was recorded three times can run a fourth).
import { createHash } from 'node:crypto'
import { decodeBody, type Fixture } from './fixture-file.ts'

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE'])

/** `a=1&b=2` and `b=2&a=1` are one query. */
function normalPath(path: string): string {
  const q = path.indexOf('?')
  if (q < 0) return path
  const params = [...new URLSearchParams(path.slice(q + 1))].sort(([a, x], [b, y]) =>
    a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1,
  )
  return params.length === 0 ? path.slice(0, q) : `${path.slice(0, q)}?${new URLSearchParams(params)}`
}

export function requestKey(method: string, path: string, body: Buffer): string {
  const m = method.toUpperCase()
  const base = `${m} ${normalPath(path)}`
  if (BODYLESS.has(m)) return base
  return `${base} ${createHash('sha256').update(body).digest('hex').slice(0, 16)}`
}

export class FixtureIndex {
  readonly #answers = new Map<string, { list: Fixture[]; next: number }>()

  constructor(fixtures: readonly Fixture[]) {
    for (const f of fixtures) {
      const key = requestKey(f.request.method, f.request.path, decodeBody(f.request.body))
      const entry = this.#answers.get(key) ?? { list: [], next: 0 }
      entry.list.push(f)
      this.#answers.set(key, entry)
    }
  }

  get size(): number {
    return this.#answers.size
  }

  /** The next recorded answer for this request, or undefined (a miss). */
  take(method: string, path: string, body: Buffer): Fixture | undefined {
    const entry = this.#answers.get(requestKey(method, path, body))
    if (!entry) return undefined
    const f = entry.list[Math.min(entry.next, entry.list.length - 1)]
    entry.next++
    return f
  }
}
