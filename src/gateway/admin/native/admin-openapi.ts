// The admin API's own OpenAPI document, generated from the same TypeBox schemas that validate the
// bodies and shape the answers (GET <base>/api/openapi.json). Built once per gateway.
// One row of ENDPOINTS per method and path: adding an endpoint is adding a row (admin-openapi.test.ts
// fails naming any admin route that has none, and any row whose route does not exist).
import type { FastifyInstance } from 'fastify'
import type { TSchema } from 'typebox'
import type { GatewayCore } from '../../core.ts'
import {
  CachePurgeResult,
  CircuitResetResult,
  ConfigView,
  DiscoveredServiceView,
  ErrorBody,
  GatewayStats,
  HealthReport,
  OpenApiServiceView,
  ProbeStatus,
  RealtimeMessage,
  ReplayResult,
  RequestDetail,
  RequestRecord,
  RouteInput,
  RouteDetail,
  RouteStats,
  RouteStatsDetail,
  RoutesHistory,
  RoutesSummary,
  RouteView,
  StatsHistory,
  ServiceChangeResult,
  ServiceRegistration,
  StatusBody,
  UpstreamView,
} from '../../model/index.ts'

/** Every named schema the document refers to; `$ref`s name these keys. */
const SCHEMAS = {
  RouteInput,
  RouteView,
  RouteDetail,
  RoutesSummary,
  UpstreamView,
  GatewayStats,
  RouteStats,
  RouteStatsDetail,
  StatsHistory,
  RoutesHistory,
  ConfigView,
  DiscoveredServiceView,
  ServiceRegistration,
  ServiceChangeResult,
  OpenApiServiceView,
  RequestRecord,
  RequestDetail,
  ReplayResult,
  CircuitResetResult,
  CachePurgeResult,
  RealtimeMessage,
  HealthReport,
  ProbeStatus,
  StatusBody,
  ErrorBody,
} satisfies Record<string, TSchema>
type SchemaName = keyof typeof SCHEMAS

type Method = 'get' | 'post' | 'put' | 'delete'
type TagName =
  | 'Routes'
  | 'Upstreams'
  | 'Statistics'
  | 'Configuration'
  | 'Policies'
  | 'Discovery'
  | 'OpenAPI'
  | 'Inspector'
  | 'Realtime'
  | 'Probes'
/** A body: a named model schema, a list of one, a map of one by id, or a content type with no schema. */
type Body = SchemaName | { list: SchemaName } | { byId: SchemaName } | { type: string; description?: string }

interface Endpoint {
  readonly method: Method
  /** Under the admin base path (`/api/routes/{id}`), or from the root when `root` is set. */
  readonly path: string
  readonly root?: true
  readonly tag: TagName
  readonly summary: string
  /** Query parameters: name → description. */
  readonly query?: Readonly<Record<string, string>>
  readonly body?: SchemaName
  /** The success answer: status → body. */
  readonly ok: Readonly<Record<number, Body>>
  /** Documented `{error}` answers beyond the admin guard's: status → when. */
  readonly errors?: Readonly<Record<number, string>>
  /** Answered before the admin guard (no Host/Origin/credentials check). */
  readonly open?: true
}

const NOT_RUNNING = 'the part is not running (discovery or OpenAPI aggregation off)'
const BAD_BODY = 'body is not a JSON object or a field is invalid'

// biome-ignore format: a table, one endpoint per row
export /** The inspector's filters: the list, its HAR export and its live tail take the same ones. */
const INSPECTOR_FILTERS = {
  route: 'only this route id',
  outcome: 'comma list: upstream, cache, mock, preflight, rate-limited, circuit-open, no-target, no-route, unauthorized, invalid-request, program-refused, program-failed, upstream-failed, timeout, client-gone',
  status: 'e.g. 404 or 5xx',
  method: 'comma list, e.g. GET,POST',
  q: 'text the path contains',
  since: 'only requests that started after this one (request id)',
  limit: 'at most this many (newest)',
} as const

const ENDPOINTS: readonly Endpoint[] = [
  // Routes
  {
    method: 'get',
    path: '/api/routes',
    tag: 'Routes',
    summary: 'List all routes',
    query: { source: 'manual, farp, discovery, config', protocol: 'http, websocket, sse, grpc, graphql' },
    ok: { 200: { list: 'RouteView' } },
  },
  {
    method: 'post',
    path: '/api/routes',
    tag: 'Routes',
    summary: 'Create a manual route',
    body: 'RouteInput',
    ok: { 201: 'RouteView' },
    errors: { 400: BAD_BODY, 409: 'route already exists', 413: 'body too large' },
  },
  {
    method: 'get',
    path: '/api/routes/{id}',
    tag: 'Routes',
    summary: 'Get a route with full target statistics, who defined it, what outranks it and its policies',
    ok: { 200: 'RouteDetail' },
    errors: { 404: 'route not found' },
  },
  {
    method: 'get',
    path: '/api/routes-summary',
    tag: 'Routes',
    summary: 'Per route: who defined it, the policies it sets itself and the routes that outrank it',
    ok: { 200: 'RoutesSummary' },
  },
  {
    method: 'put',
    path: '/api/routes/{id}',
    tag: 'Routes',
    summary: 'Update a manual route',
    body: 'RouteInput',
    ok: { 200: 'RouteView' },
    errors: { 400: `${BAD_BODY}, or the route is not manual`, 404: 'route not found', 413: 'body too large' },
  },
  {
    method: 'delete',
    path: '/api/routes/{id}',
    tag: 'Routes',
    summary: 'Delete a manual route',
    ok: { 200: 'StatusBody' },
    errors: { 400: 'the route is not manual', 404: 'route not found' },
  },
  {
    method: 'post',
    path: '/api/routes/{id}/enable',
    tag: 'Routes',
    summary: 'Enable a route (any source)',
    ok: { 200: 'StatusBody' },
    errors: { 404: 'route not found' },
  },
  {
    method: 'post',
    path: '/api/routes/{id}/disable',
    tag: 'Routes',
    summary: 'Disable a route (any source)',
    ok: { 200: 'StatusBody' },
    errors: { 404: 'route not found' },
  },
  // Upstreams, statistics, configuration
  {
    method: 'get',
    path: '/api/upstreams',
    tag: 'Upstreams',
    summary: 'List all targets',
    ok: { 200: { list: 'UpstreamView' } },
  },
  {
    method: 'get',
    path: '/api/stats',
    tag: 'Statistics',
    summary: 'Gateway statistics',
    ok: { 200: 'GatewayStats' },
  },
  {
    method: 'get',
    path: '/api/stats/routes',
    tag: 'Statistics',
    summary: 'Per-route statistics, by route id',
    ok: { 200: { byId: 'RouteStats' } },
  },
  {
    method: 'get',
    path: '/api/stats/routes/{id}',
    tag: 'Statistics',
    summary: 'One route: its counters, latency over 1, 5 and 15 minutes and a 15-minute histogram',
    ok: { 200: 'RouteStatsDetail' },
    errors: { 404: 'route not found' },
  },
  {
    method: 'get',
    path: '/api/stats/history',
    tag: 'Statistics',
    summary: 'The last hour in 10-second buckets (requests, 4xx, 5xx, p50, p99), in total or for one route',
    query: { route: 'a route id: that route only' },
    ok: { 200: 'StatsHistory' },
    errors: { 404: 'route not found' },
  },
  {
    method: 'get',
    path: '/api/stats/history/routes',
    tag: 'Statistics',
    summary: 'The last hour in 10-second buckets for every route',
    ok: { 200: 'RoutesHistory' },
  },
  {
    method: 'get',
    path: '/api/config',
    tag: 'Configuration',
    summary: 'Effective configuration, secrets redacted, with every problem that kept part of a save out',
    ok: { 200: 'ConfigView' },
  },
  // Policies
  {
    method: 'post',
    path: '/api/circuits/{targetId}/reset',
    tag: 'Policies',
    summary: "Close a target's circuit (and undo a passive health verdict)",
    ok: { 200: 'CircuitResetResult' },
    errors: { 404: 'target not found' },
  },
  {
    method: 'delete',
    path: '/api/cache',
    tag: 'Policies',
    summary: 'Purge response caches (all, or one route)',
    query: { route: 'purge only this route id' },
    ok: { 200: 'CachePurgeResult' },
    errors: { 404: 'no cache for this route' },
  },
  // Discovery
  {
    method: 'get',
    path: '/api/discovery/services',
    tag: 'Discovery',
    summary: 'Discovered and push-registered services',
    ok: { 200: { list: 'DiscoveredServiceView' } },
    errors: { 503: NOT_RUNNING },
  },
  {
    method: 'post',
    path: '/api/discovery/refresh',
    tag: 'Discovery',
    summary: 'Force a FARP re-scan',
    ok: { 200: 'StatusBody' },
    errors: { 503: NOT_RUNNING },
  },
  {
    method: 'post',
    path: '/api/discovery/register',
    tag: 'Discovery',
    summary: 'Push-register a service (service_name, address and port required)',
    body: 'ServiceRegistration',
    ok: { 200: 'ServiceChangeResult' },
    errors: {
      400: 'service_name, address or port missing or invalid',
      413: 'body too large',
      503: NOT_RUNNING,
    },
  },
  {
    method: 'delete',
    path: '/api/discovery/services/{name}',
    tag: 'Discovery',
    summary: 'Deregister a pushed service and its routes',
    ok: { 200: 'ServiceChangeResult' },
    errors: { 404: 'service not found', 503: NOT_RUNNING },
  },
  // OpenAPI
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'OpenAPI',
    summary: 'The OpenAPI 3.1 document merged from every service behind the gateway',
    ok: { 200: { type: 'application/json', description: 'an OpenAPI 3.1 document' } },
    errors: { 503: NOT_RUNNING },
  },
  {
    method: 'get',
    path: '/api/openapi/services',
    tag: 'OpenAPI',
    summary: 'Services with an OpenAPI document, and how fetching it went',
    ok: { 200: { list: 'OpenApiServiceView' } },
    errors: { 503: NOT_RUNNING },
  },
  {
    method: 'get',
    path: '/api/openapi/services/{service}',
    tag: 'OpenAPI',
    summary: "One service's document as fetched (`?view=gateway`: as the gateway exposes it)",
    query: { view: '`gateway` for the paths as served through the gateway' },
    ok: { 200: { type: 'application/json', description: 'an OpenAPI document' } },
    errors: { 404: 'service not found', 502: 'the document could not be fetched', 503: NOT_RUNNING },
  },
  {
    method: 'post',
    path: '/api/openapi/refresh',
    tag: 'OpenAPI',
    summary: "Re-fetch every service's document",
    ok: { 200: 'StatusBody' },
    errors: { 503: NOT_RUNNING },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'OpenAPI',
    summary: "This document: the admin API's own",
    ok: { 200: { type: 'application/json', description: 'an OpenAPI 3.1 document' } },
  },
  {
    method: 'get',
    path: '/swagger',
    tag: 'OpenAPI',
    summary: 'Swagger UI over the merged, per-service and admin documents',
    ok: { 200: { type: 'text/html' } },
  },
  // Inspector
  {
    method: 'get',
    path: '/api/requests',
    tag: 'Inspector',
    summary: 'Every request the gateway answered, newest first by start time, whoever answered it (outcome)',
    query: INSPECTOR_FILTERS,
    ok: { 200: { list: 'RequestRecord' } },
    errors: { 400: 'a bad filter (e.g. limit)' },
  },
  {
    method: 'get',
    path: '/api/requests.har',
    tag: 'Inspector',
    summary: 'The filtered requests (or `ids`) as a HAR 1.2 file, bodies included where kept',
    query: { ...INSPECTOR_FILTERS, ids: 'comma-separated request ids: these only' },
    ok: { 200: { type: 'application/json', description: 'HAR 1.2 (attachment)' } },
    errors: { 400: 'a bad filter' },
  },
  {
    method: 'get',
    path: '/api/requests/live',
    tag: 'Inspector',
    summary: 'Live tail: `event: requests` with the new records matching the filters, as they finish',
    query: INSPECTOR_FILTERS,
    ok: { 200: { type: 'text/event-stream', description: '`event: requests`, data: RequestRecord[]' } },
    errors: { 400: 'a bad filter' },
  },
  {
    method: 'get',
    path: '/api/requests/{requestId}',
    tag: 'Inspector',
    summary: 'One request: its record, both bodies as kept (text, JSON or a hex head) and a curl command',
    ok: { 200: 'RequestDetail' },
    errors: { 404: 'request not found' },
  },
  {
    method: 'post',
    path: '/api/requests/{requestId}/replay',
    tag: 'Inspector',
    summary:
      'Send a recorded request again (body included) through the gateway; the answer with a field-level diff against the original',
    ok: { 200: 'ReplayResult' },
    errors: {
      404: 'request not found',
      409: 'the request body was not kept in full, so it cannot be resent',
      502: 'replay failed',
      503: 'gateway is not listening yet',
    },
  },
  // Realtime
  {
    method: 'get',
    path: '/ws',
    tag: 'Realtime',
    summary:
      'WebSocket (Upgrade: websocket): one `stats` and one `routes` message every stats interval, a `history` point every 10 s',
    ok: { 101: 'RealtimeMessage' },
    errors: { 426: 'a plain GET without the upgrade', 503: 'realtime not enabled' },
  },
  // Probes and metrics, from the root
  {
    method: 'get',
    path: '/live',
    root: true,
    open: true,
    tag: 'Probes',
    summary: 'Liveness: the process answers',
    ok: { 200: 'ProbeStatus' },
  },
  {
    method: 'get',
    path: '/ready',
    root: true,
    open: true,
    tag: 'Probes',
    summary: 'Readiness: config applied, listener bound, not draining',
    ok: { 200: 'ProbeStatus', 503: 'ProbeStatus' },
  },
  {
    method: 'get',
    path: '/health',
    root: true,
    tag: 'Probes',
    summary: 'Health of every upstream service and of the gateway (207 degraded, 503 unhealthy)',
    ok: { 200: 'HealthReport', 207: 'HealthReport', 503: 'HealthReport' },
  },
  {
    method: 'get',
    path: '/metrics',
    root: true,
    tag: 'Probes',
    summary: 'Prometheus metrics',
    ok: { 200: { type: 'text/plain; version=0.0.4', description: 'Prometheus text format' } },
  },
]

const TAGS: readonly { name: TagName; description: string }[] = [
  { name: 'Routes', description: 'The route table: every source, writes through the manual source' },
  { name: 'Upstreams', description: 'Targets with health, circuit and latency' },
  { name: 'Statistics', description: 'Counters since start' },
  { name: 'Configuration', description: 'The applied configuration and its problems' },
  { name: 'Policies', description: 'Circuit breakers and response caches' },
  { name: 'Discovery', description: 'mDNS/FARP discovery and push registration' },
  { name: 'OpenAPI', description: 'The merged and per-service documents, and this one' },
  { name: 'Inspector', description: 'Recent requests and replay' },
  { name: 'Realtime', description: 'The live stream the dashboard listens to' },
  { name: 'Probes', description: 'Liveness, readiness, health report and metrics (from the root)' },
]

const PARAMS: Readonly<Record<string, string>> = {
  id: 'route id, raw (`manual-/products`) or URL-encoded',
  targetId: 'target id (URL-encoded), as in GET /api/upstreams',
  name: 'service name',
  service: 'service name, as in GET /api/openapi/services',
  requestId: 'request id, as in GET /api/requests',
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` })

function content(body: Body): Record<string, unknown> {
  if (typeof body === 'string') return { 'application/json': { schema: ref(body) } }
  if ('list' in body) return { 'application/json': { schema: { type: 'array', items: ref(body.list) } } }
  if ('byId' in body)
    return { 'application/json': { schema: { type: 'object', additionalProperties: ref(body.byId) } } }
  return { [body.type]: {} }
}

const describe = (status: number, body: Body): string =>
  typeof body === 'object' && 'description' in body && body.description
    ? body.description
    : status === 101
      ? 'switching protocols'
      : status === 201
        ? 'created'
        : 'OK'

const failure = (description: string) => ({ $ref: `#/components/responses/${description}` })

function operation(e: Endpoint): Record<string, unknown> {
  const responses: Record<string, unknown> = {}
  for (const [status, body] of Object.entries(e.ok))
    responses[status] = { description: describe(Number(status), body), content: content(body) }
  if (!e.open) {
    responses['401'] = failure('Unauthorized')
    responses['403'] = failure('Forbidden')
  }
  for (const [status, when] of Object.entries(e.errors ?? {}))
    responses[status] = { description: when, content: { 'application/json': { schema: ref('ErrorBody') } } }
  const parameters = [
    ...[...e.path.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => ({
      name,
      in: 'path',
      required: true,
      description: PARAMS[name] ?? name,
      schema: { type: 'string' },
    })),
    ...Object.entries(e.query ?? {}).map(([name, description]) => ({
      name,
      in: 'query',
      description,
      schema: { type: 'string' },
    })),
  ]
  return {
    tags: [e.tag],
    summary: e.summary,
    operationId: `${e.method}${e.path.replace(/\W+(\w)?/g, (_m, c: string | undefined) => c?.toUpperCase() ?? '')}`,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(e.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: ref(e.body) } } } }
      : {}),
    responses,
    ...(e.open ? { security: [] } : {}),
  }
}

export function adminOpenApi(core: GatewayCore): Record<string, unknown> {
  const base = core.watcher.current.settings.adminBasePath
  const paths: Record<string, Record<string, unknown>> = {}
  for (const e of ENDPOINTS) {
    const path = e.root ? e.path : base + e.path
    paths[path] = { ...paths[path], [e.method]: operation(e) }
  }
  const errorBody = (description: string) => ({
    description,
    content: { 'application/json': { schema: ref('ErrorBody') } },
  })
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sallyport admin API',
      version: core.version,
      description:
        'Every error answers `{"error": "<sentence>"}` (the bastion format). Credentials are needed only when `adminAuth` is configured; writes must come from the gateway\'s own origin.',
    },
    servers: [{ url: '/' }],
    tags: TAGS,
    // Credentials are optional ({}): asked for only when adminAuth is set.
    security: [{}, { apiKey: [] }, { bearer: [] }, { basic: [] }],
    paths,
    components: {
      schemas: JSON.parse(JSON.stringify(SCHEMAS)),
      responses: {
        Unauthorized: errorBody('admin credentials required (adminAuth is set)'),
        Forbidden: errorBody("host not allowed, or a write from another origin than the gateway's own"),
      },
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer' },
        basic: { type: 'http', scheme: 'basic' },
      },
    },
  }
}

export function registerAdminOpenApi(app: FastifyInstance, core: GatewayCore): void {
  let doc: string | undefined
  app.get('/api/openapi.json', async (_req, reply) => {
    doc ??= JSON.stringify(adminOpenApi(core))
    return reply.type('application/json; charset=utf-8').send(doc)
  })
}
