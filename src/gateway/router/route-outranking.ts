// Which routes take a route's requests away from it. Each route gets one request it was written for
// (its path, first method, first host, the headers it requires); the router's own PathIndex then says
// who answers it. When the winner is another route, that route outranks it; taking the winner out and
// asking again finds the next one, until the route itself wins. No copy of the ranking rules: a change
// to the router changes this answer too.
import type { IncomingHttpHeaders } from 'node:http'
import type { RouteSpec } from '../config/route-spec.ts'
import type { RequestHead } from '../http/request-head.ts'
import { literalPrefix, type Matchable, PathIndex } from './path-index.ts'
import { compileAccepts } from './route-table.ts'

/** A request a route was written to answer. */
export interface SampleRequest {
  readonly path: string
  readonly method: string
  readonly host: string
  readonly headers: IncomingHttpHeaders
}

/** A path segment no route is written for, so a prefix route's sample is not someone's exact path. */
const PROBE_SEGMENT = 'sallyport-probe'
/** The host a route without host conditions is asked with: what local clients send. */
const DEFAULT_HOST = 'localhost'
/** A route is rarely outranked by more than a handful; the bound keeps a pathological table cheap. */
const MAX_OUTRANKERS = 16

/** The request `spec` was written for; undefined when none can be written (a header pattern, a regex). */
export function sampleRequest(spec: RouteSpec): SampleRequest | undefined {
  let path: string
  if (spec.pathType === 'exact') path = spec.matchPath
  else if (spec.pathType === 'prefix')
    path = spec.matchPath === '/' ? `/${PROBE_SEGMENT}` : `${spec.matchPath}/${PROBE_SEGMENT}`
  else {
    const literal = literalPrefix(spec.matchPath)
    const candidates = [literal, `${literal}${PROBE_SEGMENT}`, `${literal}/${PROBE_SEGMENT}`]
    const re = new RegExp(spec.matchPath)
    const found = candidates.find((c) => c.startsWith('/') && re.test(c))
    if (found === undefined) return undefined
    path = found
  }
  const headers: IncomingHttpHeaders = {}
  for (const [name, expected] of Object.entries(spec.matchHeaders)) {
    if (expected.startsWith('~')) return undefined
    headers[name] = expected === '*' ? 'x' : expected
  }
  const host = spec.hosts[0]
  return {
    path,
    method: spec.methods[0] ?? 'GET',
    host:
      host === undefined ? DEFAULT_HOST : host.startsWith('*.') ? `${PROBE_SEGMENT}${host.slice(1)}` : host,
    headers,
  }
}

interface Ranked extends Matchable {
  readonly spec: RouteSpec
}

/**
 * The routes as the index sees them. A route in `passed` declines every request: asking the same index
 * again then answers as if it were not there (the index only ever skips a route that declines).
 */
function rankedOf(specs: readonly RouteSpec[], passed: ReadonlySet<Ranked>): Ranked[] {
  return specs.map((spec) => {
    const accepts = compileAccepts(spec)
    const route: Ranked = {
      spec,
      priority: spec.priority,
      pathType: spec.pathType,
      matchPath: spec.matchPath,
      accepts: (req, host) => !passed.has(route) && accepts(req, host),
    }
    return route
  })
}

function headOf(sample: SampleRequest): RequestHead {
  // The conditions read only the method and the headers; no socket is involved in matching.
  return { method: sample.method, headers: sample.headers } as RequestHead
}

/**
 * For every enabled route that something outranks: the ids of the routes that answer its sample
 * request instead, the one that wins first. Routes nothing outranks are absent.
 */
export function outrankedRoutes(specs: readonly RouteSpec[]): Map<string, string[]> {
  const passed = new Set<Ranked>()
  const ranked = rankedOf(
    specs.filter((s) => s.enabled),
    passed,
  )
  const index = new PathIndex(ranked)
  const out = new Map<string, string[]>()
  for (const route of ranked) {
    const sample = sampleRequest(route.spec)
    if (!sample) continue
    const head = headOf(sample)
    let winner = index.match(sample.path, head, sample.host)?.route
    if (winner === undefined || winner === route) continue
    // Ask again with each winner passing, until the route answers its own request.
    const ahead: Ranked[] = []
    while (winner !== undefined && winner !== route && ahead.length < MAX_OUTRANKERS) {
      ahead.push(winner)
      passed.add(winner)
      winner = index.match(sample.path, head, sample.host)?.route
    }
    passed.clear()
    out.set(
      route.spec.id,
      ahead.map((r) => r.spec.id),
    )
  }
  return out
}
