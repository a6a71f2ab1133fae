// How one discovered service becomes routes, as Bastion's routesFromManifest does it: coarse routes
// per protocol (`farp-<svc>-http|ws|graphql|grpc`) under a prefix taken from routing.strategy, or a
// `discovery-<svc>` catch-all for services that speak no FARP.
import type { RouteConfig, RouteProtocol, TargetConfig } from '../model/index.ts'
import { OPENAPI_METADATA_KEY } from '../model/metadata-keys.ts'
import type { FarpManifest } from './farp-manifest.ts'
import {
  originOf,
  parseCapabilities,
  resolveServiceUrl,
  sanitizeServiceName,
  type ServiceInstance,
} from './service.ts'

export const FARP_DEFAULT_PRIORITY = 20
export const DISCOVERY_PRIORITY = 10
/** Host routes (`<service>.localhost`) rank above the service's path routes. */
const HOST_ROUTE_BOOST = 5

/**
 * The name-based twin of a service route: `http(s)://<service>.localhost:<port>/…` with the path
 * untouched (RFC 6761 reserves .localhost for loopback; browsers resolve it without /etc/hosts).
 */
function hostRouteOf(route: RouteConfig, svc: string): RouteConfig {
  const { addPrefix: _addPrefix, metadata, ...rest } = route
  // The service's document joins the merged one through its path route only (once, prefixed).
  const { [OPENAPI_METADATA_KEY]: _openapi, ...kept } = metadata ?? {}
  return {
    ...rest,
    metadata: kept,
    id: `${route.id}-host`,
    path: '/*',
    hosts: [`${svc}.localhost`],
    stripPrefix: false,
    priority: (route.priority ?? 0) + HOST_ROUTE_BOOST,
  }
}

export const DEFAULT_PREFIX_TEMPLATE = '/{{.ServiceName}}'

export interface ServiceRouteOptions {
  /** `/{{.ServiceName}}` by default; `{{.Version}}` and `{service}` are also replaced. */
  readonly prefixTemplate?: string | undefined
}

export interface ServiceDescription {
  readonly name: string
  readonly farp: RouteConfig[]
  readonly discovery: RouteConfig[]
  readonly capabilities: string[]
  readonly protocols: string[]
  readonly schemaTypes: string[]
  /** The OpenAPI document's URL, when the service publishes one. */
  readonly openapiUrl: string | undefined
  readonly healthPath: string | undefined
}

function applyTemplate(template: string, svc: string, version: string): string {
  const p = template
    .replaceAll('{{.ServiceName}}', svc)
    .replaceAll('{service}', svc)
    .replaceAll('{{.Version}}', version)
    .replaceAll('{version}', version)
  return normalizePrefix(p)
}

function normalizePrefix(p: string): string {
  if (p === '' || p === '/') return ''
  const withSlash = p.startsWith('/') ? p : `/${p}`
  return withSlash.replace(/\/+$/, '')
}

/** Bastion's prefix rules for a manifest's routing.strategy (subdomain is unsupported → default). */
export function prefixFor(
  svc: string,
  manifest: FarpManifest | undefined,
  opts: ServiceRouteOptions,
): string {
  const fallback = applyTemplate(opts.prefixTemplate ?? DEFAULT_PREFIX_TEMPLATE, svc, 'v1')
  const routing = manifest?.routing
  switch (routing?.strategy) {
    case 'root':
      return normalizePrefix(routing.base_path ?? '')
    case 'service':
      return `/${svc}`
    case 'versioned':
      return `/${svc}/${manifest?.service_version || 'v1'}`
    case 'custom':
      return normalizePrefix(routing.base_path ?? '') || fallback
    case 'instance':
      return manifest?.instance_id ? `/${sanitizeServiceName(manifest.instance_id)}` : fallback
    default:
      return fallback
  }
}

function pathOnly(value: string | undefined): string | undefined {
  if (!value) return undefined
  if (value.startsWith('/')) return value
  try {
    return new URL(value).pathname
  } catch {
    return undefined
  }
}

/** The instance whose manifest and TXT record describe the service: a live FARP one first. */
export function leadInstance(instances: readonly ServiceInstance[]): ServiceInstance | undefined {
  return (
    instances.find((i) => i.farpEnabled && !i.vanishedAt && i.manifest) ??
    instances.find((i) => i.farpEnabled && !i.vanishedAt) ??
    instances.find((i) => !i.vanishedAt) ??
    instances[0]
  )
}

export function describeService(
  instances: readonly ServiceInstance[],
  opts: ServiceRouteOptions = {},
): ServiceDescription | undefined {
  const lead = leadInstance(instances)
  if (!lead) return undefined
  const svc = sanitizeServiceName(lead.name)
  const md = lead.metadata
  const base = originOf(lead.address, lead.port)
  const manifest = lead.manifest
  const healthPath = pathOnly(manifest?.endpoints.health ?? md['farp.health'] ?? md.health)
  const targets: TargetConfig[] = []
  const seen = new Set<string>()
  for (const inst of instances) {
    const url = originOf(inst.address, inst.port)
    if (seen.has(url)) continue
    seen.add(url)
    const target: TargetConfig = { url, metadata: { instance_id: inst.id } }
    if (healthPath) {
      target.healthCheckPath = healthPath
      ;(target.metadata as Record<string, string>).health_check_path = healthPath
    }
    targets.push(target)
  }
  const prefix = prefixFor(svc, manifest, opts)
  const capabilities = manifest?.capabilities
    ? [...manifest.capabilities]
    : parseCapabilities(md['farp.capabilities'])

  if (!lead.farpEnabled) {
    // A plain service may still name its OpenAPI document (the bastion register example does):
    // the route carries it, so the document joins the merged one.
    const openapiUrl = resolveServiceUrl(md[OPENAPI_METADATA_KEY], base)
    const metadata: Record<string, string> = { 'discovery.origin': lead.origin }
    if (openapiUrl) metadata[OPENAPI_METADATA_KEY] = openapiUrl
    const pathRoute: RouteConfig = {
      id: `discovery-${svc}`,
      path: `${prefix}/*`,
      targets,
      stripPrefix: prefix !== '',
      priority: DISCOVERY_PRIORITY,
      serviceName: svc,
      metadata,
    }
    return {
      name: svc,
      farp: [],
      discovery: [pathRoute, hostRouteOf(pathRoute, svc)],
      capabilities,
      protocols: ['http'],
      schemaTypes: openapiUrl ? ['openapi'] : [],
      openapiUrl,
      healthPath,
    }
  }

  const schemaTypes = new Set<string>((manifest?.schemas ?? []).map((s) => s.type))
  const schemaUrl = (type: string) =>
    manifest?.schemas?.find((s) => s.type === type && s.location?.url)?.location?.url
  const openapiUrl = resolveServiceUrl(
    schemaUrl('openapi') ??
      manifest?.endpoints.openapi ??
      md['farp.openapi'] ??
      md['farp.openapi.path'] ??
      md[OPENAPI_METADATA_KEY],
    base,
  )
  const asyncapiUrl = resolveServiceUrl(
    schemaUrl('asyncapi') ?? manifest?.endpoints.asyncapi ?? md['farp.asyncapi'] ?? md['farp.asyncapi.path'],
    base,
  )
  const graphqlUrl = resolveServiceUrl(
    schemaUrl('graphql') ?? manifest?.endpoints.graphql ?? md['farp.graphql'] ?? md['farp.graphql.path'],
    base,
  )
  const grpc =
    schemaTypes.has('grpc') ||
    manifest?.endpoints.grpc_reflection === true ||
    md['farp.grpc.reflection'] === 'true' ||
    capabilities.includes('grpc')
  if (openapiUrl) schemaTypes.add('openapi')
  if (asyncapiUrl) schemaTypes.add('asyncapi')
  if (graphqlUrl) schemaTypes.add('graphql')
  if (grpc) schemaTypes.add('grpc')

  const wantHttp =
    schemaTypes.has('openapi') ||
    schemaTypes.has('orpc') ||
    capabilities.some((c) => c === 'rest' || c === 'http' || c === 'sse')
  const wantWs = schemaTypes.has('asyncapi') || capabilities.includes('websocket')
  const wantGraphql = schemaTypes.has('graphql') || capabilities.includes('graphql')
  const priority = manifest?.routing?.priority || FARP_DEFAULT_PRIORITY
  const strip = manifest?.routing?.strip_prefix ?? prefix !== ''
  const common = { targets, serviceName: svc, priority }
  const routes: RouteConfig[] = []
  const route = (kind: string, protocol: RouteProtocol, extra: Partial<RouteConfig>) =>
    routes.push({
      id: `farp-${svc}-${kind}`,
      path: `${prefix}/*`,
      protocol,
      stripPrefix: strip,
      ...common,
      ...extra,
      metadata: { 'discovery.origin': lead.origin, ...extra.metadata },
    })
  // Anything FARP-enabled is reachable over HTTP even when it names no schema.
  if (wantHttp || (!wantWs && !wantGraphql && !grpc))
    route('http', 'http', openapiUrl ? { metadata: { [OPENAPI_METADATA_KEY]: openapiUrl } } : {})
  if (wantWs)
    route('ws', 'websocket', {
      path: `${prefix}/ws/*`,
      ...(strip ? { addPrefix: '/ws' } : {}),
    })
  if (wantGraphql) {
    const gqlPath = pathOnly(graphqlUrl) ?? '/graphql'
    route('graphql', 'graphql', {
      path: `${prefix}/graphql`,
      methods: ['GET', 'POST'],
      ...(strip ? { addPrefix: gqlPath } : {}),
    })
  }
  // gRPC shares the prefix with HTTP; the content type tells them apart.
  if (grpc)
    route('grpc', 'grpc', {
      matchHeaders: { 'content-type': '~^application/grpc' },
      priority: priority + 1,
    })
  for (const r of routes.filter((r) => r.protocol === 'http' || r.protocol === 'grpc'))
    routes.push(hostRouteOf(r, svc))
  return {
    name: svc,
    farp: routes,
    discovery: [],
    capabilities,
    protocols: [...new Set(routes.map((r) => r.protocol ?? 'http'))],
    schemaTypes: [...schemaTypes],
    openapiUrl,
    healthPath,
  }
}
