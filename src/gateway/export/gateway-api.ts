// Routes as Kubernetes Gateway API v1 documents (standard channel): an HTTPRoute per route, a GRPCRoute
// per gRPC route. What a route runs that v1 cannot say is a comment on its document (not-exported.ts);
// each backendRef says how its Service name was derived from the target URL (k8s-names.ts).
import type { Document } from 'yaml'
import { effectivePolicy, type RequestPolicyDefaults } from '../config/policy-defaults.ts'
import type { RouteSpec } from '../config/route-spec.ts'
import { yaml } from '../util/yaml.ts'
import { type BackendService, backendService, dnsLabel, inCluster, uniqueName } from './k8s-names.ts'
import { notExported } from './not-exported.ts'
import { grpcMatches, HEADER_NAME, HTTP_METHODS, hostnames, httpMatches, type Obj } from './route-matches.ts'

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1'

export interface ExportOptions {
  /** metadata.namespace of every document; none: the namespace kubectl applies them to. */
  readonly namespace?: string | undefined
  /** The Gateway every route attaches to (parentRefs). */
  readonly gateway: string
  /** The gateway's defaults, for the policies a route runs without naming them. */
  readonly defaults: RequestPolicyDefaults & { readonly retry?: unknown }
}

export interface ExportedRoute {
  readonly kind: 'HTTPRoute' | 'GRPCRoute'
  readonly routeId: string
  readonly object: Obj
  /** Comment lines above the document: the route, and what was not exported or changed on the way. */
  readonly notes: readonly string[]
  /** One comment per backendRef: which target it is and how its name was derived. */
  readonly backendNotes: readonly string[]
}

const CORS_ORIGIN = /(^\*$)|(^https?:\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/

/** Milliseconds in Gateway API's duration format (`1h30m`, `250ms`; each part at most 5 digits). */
export function gatewayDuration(ms: number): string {
  if (ms <= 0) return '0s'
  const parts: [number, string][] = [
    [Math.min(99_999, Math.floor(ms / 3_600_000)), 'h'],
    [Math.floor(ms / 60_000) % 60, 'm'],
    [Math.floor(ms / 1000) % 60, 's'],
    [ms % 1000, 'ms'],
  ]
  return parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('')
}

/** The path Sallyport sends upstream as a URLRewrite, for a target whose URL path is `basePath`. */
function rewriteFor(spec: RouteSpec, basePath: string): Obj | undefined {
  const prefix = basePath + (spec.addPrefix ?? '')
  if (spec.pathType === 'prefix') {
    const to = spec.stripPrefix ? prefix || '/' : prefix + (spec.matchPath === '/' ? '' : spec.matchPath)
    if (to === '' || to === spec.matchPath) return undefined
    return {
      type: 'URLRewrite',
      urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: to } },
    }
  }
  const full = spec.stripPrefix ? prefix || '/' : prefix + spec.matchPath
  if (full === spec.matchPath) return undefined
  return { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: full } } }
}

function headerFilter(spec: RouteSpec, notes: string[]): Obj | undefined {
  const set: Obj[] = []
  for (const [name, value] of Object.entries(spec.config.headers?.add ?? {}))
    if (HEADER_NAME.test(name)) set.push({ name, value })
    else notes.push(`header ${name}: not a valid name, not set`)
  const remove = (spec.config.headers?.remove ?? []).filter((name) => HEADER_NAME.test(name))
  if (set.length === 0 && remove.length === 0) return undefined
  return {
    type: 'RequestHeaderModifier',
    requestHeaderModifier: { ...(set.length ? { set } : {}), ...(remove.length ? { remove } : {}) },
  }
}

function corsFilter(spec: RouteSpec, defaults: RequestPolicyDefaults, notes: string[]): Obj | undefined {
  const cors = effectivePolicy(spec.config, defaults, 'cors')
  if (!cors || cors.config.enabled === false) return undefined
  const c = cors.config
  const origins = c.origins ?? ['*']
  const allowOrigins = origins.filter((o) => CORS_ORIGIN.test(o))
  for (const o of origins)
    if (!allowOrigins.includes(o)) notes.push(`CORS origin ${o}: not a Gateway API origin, left out`)
  const methods = (c.methods ?? ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']).map((m) => m.toUpperCase())
  const filter: Obj = {
    allowOrigins,
    allowMethods: methods.filter((m) => HTTP_METHODS.has(m) || m === '*'),
    ...(c.headers?.length ? { allowHeaders: c.headers.filter((h) => HEADER_NAME.test(h)) } : {}),
    ...(c.exposeHeaders?.length ? { exposeHeaders: c.exposeHeaders.filter((h) => HEADER_NAME.test(h)) } : {}),
    ...(c.credentials === true ? { allowCredentials: true } : {}),
    ...(c.maxAge !== undefined && c.maxAge > 0 ? { maxAge: c.maxAge } : {}),
  }
  if (cors.fromDefault) notes.push("CORS: the gateway default, exported as this route's CORS filter")
  return { type: 'CORS', cors: filter }
}

function backends(spec: RouteSpec, notes: string[]): { services: BackendService[]; comments: string[] } {
  const local = spec.config.targets.filter((t) => !inCluster(t.url))
  const services: BackendService[] = []
  const comments: string[] = []
  let localIndex = 0
  for (const t of spec.unavailable === undefined ? spec.config.targets : []) {
    const isLocal = local.includes(t)
    const svc = backendService(t.url, spec, isLocal && local.length > 1 ? localIndex++ : undefined)
    services.push(svc)
    comments.push(` ${t.url} → Service ${svc.name}:${svc.port}, name ${svc.derivation}`)
    if (t.url.startsWith('https:') || t.url.startsWith('wss:'))
      notes.push(`target ${t.url} is reached over TLS: add a BackendTLSPolicy for Service ${svc.name}`)
    if (t.http2 === true || t.url.startsWith('h2c:'))
      notes.push(
        `target ${t.url} speaks HTTP/2: give Service ${svc.name}'s port appProtocol kubernetes.io/h2c`,
      )
  }
  return { services, comments }
}

/** One route as a Gateway API object, its notes and its backends' notes. */
export function exportRoute(spec: RouteSpec, name: string, opts: ExportOptions): ExportedRoute {
  const grpc = spec.protocol === 'grpc'
  const kind = grpc ? 'GRPCRoute' : 'HTTPRoute'
  const notes: string[] = []
  const { services, comments } = backends(spec, notes)
  const basePaths = spec.config.targets.map((t) => {
    const path = new URL(t.url.replace(/^(ws|h2c)/, 'http')).pathname
    return path === '/' ? '' : path.replace(/\/$/, '')
  })
  const rewrites = basePaths.map((b) => (grpc || spec.pathType === 'regex' ? undefined : rewriteFor(spec, b)))
  const rewriteWanted = spec.stripPrefix || spec.addPrefix !== undefined || basePaths.some((b) => b !== '')
  if (rewriteWanted && (grpc || spec.pathType === 'regex'))
    notes.push(
      `path rewrite (stripPrefix/addPrefix/target path) on a ${grpc ? 'gRPC' : 'regex'} route: not exported`,
    )
  const sameRewrite = rewrites.every((r) => JSON.stringify(r) === JSON.stringify(rewrites[0]))
  const filters = [headerFilter(spec, notes), grpc ? undefined : corsFilter(spec, opts.defaults, notes)]
  if (sameRewrite) filters.push(rewrites[0])
  const backendRefs = services.map((s, i) => ({
    name: s.name,
    port: s.port,
    weight: spec.config.targets[i]?.weight ?? 1,
    ...(!sameRewrite && rewrites[i] ? { filters: [rewrites[i]] } : {}),
  }))
  const matches = grpc ? grpcMatches(spec, notes) : httpMatches(spec, notes)
  const hosts = hostnames(spec, notes)
  const rule: Obj = {
    ...(matches.length > 0 ? { matches } : {}),
    ...(filters.some(Boolean) ? { filters: filters.filter(Boolean) } : {}),
    backendRefs,
    ...(grpc ? {} : { timeouts: { request: gatewayDuration(spec.timeoutMs) } }),
  }
  const object: Obj = {
    apiVersion: GATEWAY_API_VERSION,
    kind,
    metadata: {
      name,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      annotations: { 'sallyport.dev/route-id': spec.id, 'sallyport.dev/source': spec.source },
    },
    spec: {
      parentRefs: [{ name: opts.gateway }],
      ...(hosts.length > 0 ? { hostnames: hosts } : {}),
      rules: [rule],
    },
  }
  const missing = notExported(spec, opts.defaults)
  return {
    kind,
    routeId: spec.id,
    object,
    notes: [
      `Sallyport route ${spec.id} (${spec.source}): ${spec.pathType} ${spec.matchPath}`,
      ...notes.map((n) => `note: ${n}`),
      ...(missing.length > 0
        ? ['not exported (no Gateway API v1 equivalent):', ...missing.map((m) => `  - ${m}`)]
        : []),
    ],
    backendNotes: comments,
  }
}

/** Every enabled route as an object; disabled ones are named in `skipped`. */
export function exportRoutes(
  specs: readonly RouteSpec[],
  opts: ExportOptions,
): { routes: ExportedRoute[]; skipped: string[] } {
  const used = new Set<string>()
  const routes: ExportedRoute[] = []
  const skipped: string[] = []
  for (const spec of specs) {
    if (!spec.enabled) {
      skipped.push(`${spec.id}: disabled`)
      continue
    }
    routes.push(exportRoute(spec, uniqueName(dnsLabel(spec.id), used), opts))
  }
  return { routes, skipped }
}

/** The YAML stream `sallyport export --format gateway-api` writes. */
export function gatewayApiYaml(specs: readonly RouteSpec[], opts: ExportOptions): string {
  const { Document } = yaml()
  const { routes, skipped } = exportRoutes(specs, opts)
  const head = [
    `Kubernetes Gateway API (${GATEWAY_API_VERSION}) routes exported by Sallyport: ${routes.length} route(s).`,
    `Backends become Services (name and port per backendRef below); the Gateway "${opts.gateway}" must exist.`,
    ...skipped.map((s) => `skipped ${s}`),
  ]
  if (routes.length === 0) return `${head.map((l) => `# ${l}`).join('\n')}\n`
  const docs = routes.map((r, i) => {
    // YAML 1.1 rules for scalars: kubectl's parser reads an unquoted yes/no/on/off as a boolean.
    const doc: Document = new Document(r.object, { aliasDuplicateObjects: false, version: '1.1' })
    doc.commentBefore = [...(i === 0 ? [...head, ''] : []), ...r.notes].map((l) => ` ${l}`).join('\n')
    r.backendNotes.forEach((note, n) => {
      const node = doc.getIn(['spec', 'rules', 0, 'backendRefs', n], true) as
        | { commentBefore?: string }
        | undefined
      if (node) node.commentBefore = note
    })
    return doc.toString({ lineWidth: 0 })
  })
  return docs.join('---\n')
}
