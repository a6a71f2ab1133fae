// Finds the best route for a path without scanning every route: exact paths and prefixes are map
// lookups (one per path segment), only regex routes are tried one by one.
import type { RequestHead } from '../http/request-head.ts'

export interface Matchable {
  readonly priority: number
  readonly pathType: 'prefix' | 'exact' | 'regex'
  readonly matchPath: string
  /** Method, host and header conditions; path is already known to match. */
  accepts(req: RequestHead, host: string): boolean
}

export interface PathMatch<T> {
  readonly route: T
  /** How many leading characters of the path the route matched (for stripPrefix). */
  readonly matchedLength: number
}

/**
 * The literal text every match of an anchored pattern starts with ('^/orders/[0-9]+$' → '/orders/'),
 * so most paths skip the regex with one startsWith. '' when unsure (no '^', any '|', an escape).
 */
export function literalPrefix(pattern: string): string {
  if (!pattern.startsWith('^') || pattern.includes('|')) return ''
  let end = 1
  while (end < pattern.length && !'\\^$.|?*+()[]{}'.includes(pattern[end] as string)) end++
  // A quantifier after the literal makes its last character optional ('^/ab?' → '/a').
  if (end < pattern.length && '?*{'.includes(pattern[end] as string)) end--
  return pattern.slice(1, end)
}

function byPriority<T extends Matchable>(a: T, b: T): number {
  return b.priority - a.priority
}

export class PathIndex<T extends Matchable> {
  readonly #exact = new Map<string, T[]>()
  readonly #prefix = new Map<string, T[]>()
  readonly #regex: { route: T; re: RegExp; literal: string }[] = []
  readonly #maxPriority: number

  constructor(routes: readonly T[]) {
    let max = Number.NEGATIVE_INFINITY
    for (const r of routes) {
      max = Math.max(max, r.priority)
      if (r.pathType === 'regex')
        this.#regex.push({ route: r, re: new RegExp(r.matchPath), literal: literalPrefix(r.matchPath) })
      else {
        const map = r.pathType === 'exact' ? this.#exact : this.#prefix
        const list = map.get(r.matchPath)
        if (list) list.push(r)
        else map.set(r.matchPath, [r])
      }
    }
    // Stable sort keeps declaration order among equal priorities.
    for (const list of this.#exact.values()) list.sort(byPriority)
    for (const list of this.#prefix.values()) list.sort(byPriority)
    this.#regex.sort((a, b) => byPriority(a.route, b.route))
    this.#maxPriority = max
  }

  /**
   * Highest priority wins; among equal priorities the most specific: exact, then the longest
   * prefix, then regex routes in declaration order, then the catch-all prefix "/".
   */
  match(path: string, req: RequestHead, host: string): PathMatch<T> | undefined {
    let best: T | undefined
    let bestLength = 0
    const consider = (list: readonly T[] | undefined, length: number): boolean => {
      if (!list) return false
      for (const r of list) {
        if (best && r.priority <= best.priority) return false
        if (r.accepts(req, host)) {
          best = r
          bestLength = length
          return r.priority === this.#maxPriority
        }
      }
      return false
    }
    if (consider(this.#exact.get(path), path.length)) return { route: best as T, matchedLength: bestLength }
    if (this.#prefix.size > 0) {
      if (consider(this.#prefix.get(path), path.length))
        return { route: best as T, matchedLength: bestLength }
      for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
        if (consider(this.#prefix.get(path.slice(0, i)), i))
          return { route: best as T, matchedLength: bestLength }
      }
    }
    for (const { route, re, literal } of this.#regex) {
      if (best && route.priority <= (best as T).priority) break
      if (!path.startsWith(literal)) continue
      re.lastIndex = 0
      const m = re.exec(path)
      if (m && route.accepts(req, host)) {
        best = route
        bestLength = m.index === 0 ? m[0].length : 0
      }
    }
    // The catch-all "/" is the least specific route of all: a regex route of equal priority beats it.
    consider(this.#prefix.get('/'), 0)
    return best ? { route: best, matchedLength: bestLength } : undefined
  }
}
