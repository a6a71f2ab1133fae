// A route table is compiled once per snapshot, off to the side, then swapped in whole. Everything a
// request needs (matchers, balancer, rewrite, header rules, counters, pools) is resolved here.
import { createBalancer, type Balancer, type BalancerTarget } from '../balancers/index.ts'
import { httpUrlOf, type RouteSpec, type TargetSpec } from '../config/route-spec.ts'
import type { Snapshot } from '../config/snapshot.ts'
import type { TargetState, TargetStateRegistry } from '../health/target-state.ts'
import type { RequestHead } from '../http/request-head.ts'
import type { Dispatch } from '../policies/interceptor.ts'
import type { PolicyRegistry } from '../policies/policy-registry.ts'
import { judgeTargets } from '../policies/attempt-judge.ts'
import { compilePolicies, type RoutePolicies } from '../policies/route-policies.ts'
import { compileServicePrograms, type ServicePrograms } from '../policies/service-programs.ts'
import type { CounterRegistry, TrafficCounters } from '../stats/counters.ts'
import type { UpstreamAgent } from '../upstream/agent.ts'
import type { OriginClient } from '../upstream/types.ts'
import { PathIndex, type PathMatch } from './path-index.ts'
import { compileHeaders, compileHosts, type HeaderPredicate, type HostPredicate } from './predicates.ts'

export type { RoutePolicies } from '../policies/route-policies.ts'

export interface CompiledTarget extends BalancerTarget {
  readonly spec: TargetSpec
  readonly id: string
  /** The upstream client for the target's origin (shared by every route on that origin). */
  readonly pool: OriginClient
  /** Path prefix of the target URL (e.g. "/v1" for http://svc:8080/v1), prepended to forwarded paths. */
  readonly basePath: string
  /** Host header sent upstream when the client's Host is not kept. */
  readonly hostHeader: string
  readonly counters: TrafficCounters
  readonly state: TargetState
}

export interface CompiledRoute {
  readonly spec: RouteSpec
  readonly id: string
  readonly priority: number
  readonly pathType: RouteSpec['pathType']
  readonly matchPath: string
  readonly targets: readonly CompiledTarget[]
  readonly balancer: Balancer
  readonly counters: TrafficCounters
  readonly timeoutMs: number
  readonly stripPrefix: boolean
  readonly addPrefix: string
  readonly headersAdd: readonly (readonly [string, string])[]
  readonly headersRemove: ReadonlySet<string>
  /** Traffic policies compiled for this route; undefined when it has none (the plain hot path). */
  readonly policies: RoutePolicies | undefined
  /** Its service's programs, run once per request on the chosen target; undefined when it has none. */
  readonly programs: ServicePrograms | undefined
  /** The route's interceptors composed around the pipeline's target pick and upstream dispatch. */
  readonly dispatch: Dispatch
  accepts(req: RequestHead, host: string): boolean
}

export interface RouteTable {
  readonly version: number
  readonly snapshot: Snapshot
  readonly routes: readonly CompiledRoute[]
  match(path: string, req: RequestHead, host: string): PathMatch<CompiledRoute> | undefined
}

export interface RouteTableDeps {
  readonly upstreams: UpstreamAgent
  readonly routeCounters: CounterRegistry
  readonly targetCounters: CounterRegistry
  readonly targetStates: TargetStateRegistry
  /** Rate-limit buckets and caches that survive swaps; without it those two policies are off. */
  readonly policies?: PolicyRegistry | undefined
  /** How a request on `route` reaches its upstream after the route's interceptors (the pipeline's). */
  readonly dispatchFor: (route: CompiledRoute) => Dispatch
}

/** The method, host and header conditions of a route, compiled once (path matching is the index's). */
export function compileAccepts(spec: RouteSpec): (req: RequestHead, host: string) => boolean {
  const methods = spec.methods.length > 0 ? new Set(spec.methods) : undefined
  const hosts: HostPredicate | undefined = compileHosts(spec.hosts)
  const headers: HeaderPredicate | undefined = compileHeaders(spec.matchHeaders)
  if (!methods && !hosts && !headers) return () => true
  return (req, host) =>
    (!methods || methods.has(req.method as string)) &&
    (!hosts || hosts(host)) &&
    (!headers || headers(req.headers))
}

interface TargetAddress {
  readonly basePath: string
  readonly hostHeader: string
}

function addressOf(targetUrl: string): TargetAddress {
  const url = new URL(httpUrlOf(targetUrl))
  return {
    basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
    hostHeader: url.host,
  }
}

const NO_HEADERS: ReadonlySet<string> = new Set()
const undefinedDispatch: Dispatch = () => {
  throw new Error('route dispatch used before it was composed')
}

function compileTarget(
  t: TargetSpec,
  deps: RouteTableDeps,
  addresses: Map<string, TargetAddress>,
): CompiledTarget {
  // Many routes share a target URL (10,000 decoys on one upstream): parse each URL once per table.
  let address = addresses.get(t.url)
  if (!address) {
    address = addressOf(t.url)
    addresses.set(t.url, address)
  }
  return {
    spec: t,
    id: t.id,
    weight: t.weight,
    pool: deps.upstreams.get(t.clientKey),
    basePath: address.basePath,
    hostHeader: address.hostHeader,
    counters: deps.targetCounters.get(t.id),
    state: deps.targetStates.get(t.id),
  }
}

export function compileRouteTable(snapshot: Snapshot, deps: RouteTableDeps): RouteTable {
  const compiled: CompiledRoute[] = []
  const addresses = new Map<string, TargetAddress>()
  deps.policies?.mark()
  for (const spec of snapshot.routes) {
    if (!spec.enabled) continue
    const targets = spec.targets.map((t) => compileTarget(t, deps, addresses))
    judgeTargets(
      spec,
      targets.map((t) => t.state),
    )
    const route = {
      spec,
      id: spec.id,
      priority: spec.priority,
      pathType: spec.pathType,
      matchPath: spec.matchPath,
      targets,
      balancer: createBalancer(spec.balancer, targets, {
        hashKey: spec.hashKey,
        ids: targets.map((t) => t.id),
      }),
      counters: deps.routeCounters.get(spec.id),
      timeoutMs: spec.timeoutMs,
      stripPrefix: spec.stripPrefix,
      addPrefix: spec.addPrefix && spec.addPrefix !== '/' ? spec.addPrefix.replace(/\/$/, '') : '',
      headersAdd: Object.entries(spec.headersAdd),
      headersRemove: spec.headersRemove.length > 0 ? new Set(spec.headersRemove) : NO_HEADERS,
      policies: compilePolicies(spec, snapshot.settings, deps.policies),
      programs: compileServicePrograms(spec, snapshot.settings, deps.policies?.programs),
      accepts: compileAccepts(spec),
      dispatch: undefinedDispatch,
    } satisfies CompiledRoute
    // Composed once the route exists: the pipeline's last step closes over it.
    route.dispatch = deps.dispatchFor(route)
    compiled.push(route)
  }
  deps.policies?.sweep()
  const index = new PathIndex(compiled)
  return {
    version: snapshot.version,
    snapshot,
    routes: compiled,
    match: (path, req, host) => index.match(path, req, host),
  }
}
