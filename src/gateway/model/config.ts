// The configuration model: one TypeBox schema per entity. It is the config file's format, the admin
// API's request bodies, the validator, and the generated JSON Schema for editors. No node:* imports.
import Type from 'typebox'

/** A duration: milliseconds as a number, or a string such as "250ms", "5s", "1m", "1h". */
export const Duration = Type.Union(
  [Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$' })],
  {
    description: 'milliseconds, or a string such as "250ms", "5s", "1m"',
  },
)
export type Duration = Type.Static<typeof Duration>

export const LoadBalancerName = Type.Union(
  [
    Type.Literal('round-robin'),
    Type.Literal('round_robin'),
    Type.Literal('roundRobin'),
    Type.Literal('random'),
    Type.Literal('weighted-round-robin'),
    Type.Literal('weighted_round_robin'),
    Type.Literal('weightedRoundRobin'),
    Type.Literal('weighted-random'),
    Type.Literal('weighted_random'),
    Type.Literal('weightedRandom'),
    Type.Literal('least-load'),
    Type.Literal('less-load'),
    Type.Literal('least_load'),
    Type.Literal('leastConnections'),
    Type.Literal('least-connections'),
    Type.Literal('hash'),
    Type.Literal('consistentHash'),
    Type.Literal('consistent-hash'),
    Type.Literal('ip-hash'),
  ],
  { description: 'load-balancing strategy; the spellings of every supported API dialect are accepted' },
)
export type LoadBalancerName = Type.Static<typeof LoadBalancerName>

export const TargetConfig = Type.Object(
  {
    url: Type.String({
      pattern: '^(http|https|ws|wss|h2c)://[^\\s/]+',
      description: 'an http(s), ws(s) or h2c (cleartext HTTP/2) URL such as http://127.0.0.1:3000',
    }),
    http2: Type.Optional(
      Type.Boolean({
        description:
          'speak HTTP/2 to this target (h2c for http://, ALPN h2 for https://); always for gRPC routes',
      }),
    ),
    weight: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1000, description: 'relative weight (default 1)' }),
    ),
    healthCheckPath: Type.Optional(Type.String({ pattern: '^/' })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
)
export type TargetConfig = Type.Static<typeof TargetConfig>

/** HTTPS (HTTP/2 and HTTP/1.1 by ALPN) on the gateway's port, beside cleartext HTTP. */
export const TlsConfig = Type.Union(
  [
    Type.Literal('auto', {
      description: 'a local CA in the data dir issues certificates for localhost names on demand',
    }),
    Type.Object(
      {
        cert: Type.Optional(Type.String({ minLength: 1, description: 'PEM certificate (chain) file' })),
        key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key file' })),
        hosts: Type.Optional(
          Type.Array(Type.String({ minLength: 1 }), {
            description: 'more host names the local CA may issue for ("*.example.test" allowed)',
          }),
        ),
        redirectHttp: Type.Optional(
          Type.Boolean({
            description: 'answer cleartext HTTP/1.x requests with a 308 to https (default false)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: '"auto", or cert and key files; without cert and key the local CA is used' },
)
export type TlsConfig = Type.Static<typeof TlsConfig>

export const HeaderRules = Type.Object(
  {
    add: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    remove: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    forwardProxyAuthorization: Type.Optional(
      Type.Boolean({
        description:
          "send the client's Proxy-Authorization on to the target (off: it is meant for the proxy, RFC 9110 §11.7.2, and Sallyport consumes none; on for an upstream proxy that expects it)",
      }),
    ),
  },
  { additionalProperties: false },
)

export const RetryConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    backoff: Type.Optional(
      Type.Union([Type.Literal('fixed'), Type.Literal('linear'), Type.Literal('exponential')]),
    ),
    baseDelay: Type.Optional(Duration),
    maxDelay: Type.Optional(Duration),
    jitter: Type.Optional(Type.Boolean()),
    methods: Type.Optional(Type.Array(Type.String())),
    retryOn: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }))),
    grpcRetryOn: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z_]+$' }), {
        description: 'gRPC status names retried for gRPC calls (default ["UNAVAILABLE"])',
      }),
    ),
    budgetPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
)

export const RateLimitConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    requestsPerSec: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    burst: Type.Optional(Type.Integer({ minimum: 1 })),
    scope: Type.Optional(
      Type.Union(
        [Type.Literal('global'), Type.Literal('route'), Type.Literal('service'), Type.Literal('client')],
        {
          description:
            'whose bucket: one for the gateway, one per route, one for all routes of the service (serviceName, or the route id), or one per client',
        },
      ),
    ),
    key: Type.Optional(
      Type.String({ description: 'per-client key: "ip", "header:<name>" or "jwt:<claim>"' }),
    ),
  },
  { additionalProperties: false },
)

export const HealthCheckConfig = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({
        description: 'default true: every target is watched; false turns passive and active checks off',
      }),
    ),
    path: Type.Optional(
      Type.String({ pattern: '^/', description: 'active checks: GET this path on each target' }),
    ),
    interval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    unhealthyThreshold: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'active check failures in a row that take a target out (default 3)',
      }),
    ),
    healthyThreshold: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'active check successes in a row that bring it back (default 2)',
      }),
    ),
    passiveFailures: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'failed requests in a row (no answer, or a 5xx) that take a target out of rotation (default 5; 0 = off)',
      }),
    ),
    passiveCooldown: Type.Optional(Duration),
  },
  {
    additionalProperties: false,
    description:
      'on by default (passive): a target out after passiveFailures is tried again by one request after passiveCooldown (default 30s); active checks every interval (10s), timeout 5s; gateway-wide in defaults.healthCheck',
  },
)

export const CircuitBreakerConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'default true: one breaker per target' })),
    maxFailures: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'consecutive failures within interval that open it (default 5)',
      }),
    ),
    interval: Type.Optional(Duration),
    openTimeout: Type.Optional(Duration),
    halfOpenMaxRequests: Type.Optional(
      Type.Integer({ minimum: 1, description: 'requests let through when half-open (default 1)' }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'on by default: 5 consecutive failures (no answer, or a 5xx) in 30s (interval) open it for 30s (openTimeout): 503 without calling the upstream; gateway-wide in defaults.circuitBreaker',
  },
)

export const CacheConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    ttl: Type.Optional(Duration),
    maxEntries: Type.Optional(Type.Integer({ minimum: 1 })),
    maxEntrySize: Type.Optional(Type.Integer({ minimum: 1 })),
    varyBy: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

export const CorsConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    origins: Type.Optional(Type.Array(Type.String())),
    methods: Type.Optional(Type.Array(Type.String())),
    headers: Type.Optional(Type.Array(Type.String())),
    exposeHeaders: Type.Optional(Type.Array(Type.String())),
    credentials: Type.Optional(Type.Boolean()),
    maxAge: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
)

export const JwtConfig = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    secret: Type.Optional(Type.String({ description: 'HS* shared secret (redacted in every read)' })),
    publicKey: Type.Optional(Type.String({ description: 'PEM public key for RS*/ES*' })),
    jwksUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    jwksCacheMaxAge: Type.Optional(Duration),
    jwksCooldown: Type.Optional(Duration),
    algorithms: Type.Optional(Type.Array(Type.String())),
    issuer: Type.Optional(Type.String()),
    audience: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    requiredClaims: Type.Optional(Type.Array(Type.String())),
    roles: Type.Optional(Type.Array(Type.String())),
    rolesClaim: Type.Optional(Type.String()),
    clockTolerance: Type.Optional(Duration),
  },
  { additionalProperties: false },
)

/** A service-management program attached to a route (the dialect attaches its service's to every route). */
export const RouteProgram = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    source: Type.String({
      minLength: 1,
      description: 'the program text: expr-lang statements separated by ";"',
    }),
  },
  { additionalProperties: false },
)
export type RouteProgram = Type.Static<typeof RouteProgram>

export const RouteProtocol = Type.Union([
  Type.Literal('http'),
  Type.Literal('websocket'),
  Type.Literal('sse'),
  Type.Literal('grpc'),
  Type.Literal('graphql'),
])
export type RouteProtocol = Type.Static<typeof RouteProtocol>

/**
 * A request policy the gateway may set for every route (`defaults`): the route's object replaces the
 * default whole, `false` turns it off for this route, absence takes the default.
 */
function orOff<T extends Type.TSchema>(schema: T, what: string) {
  return Type.Union([schema, Type.Literal(false)], {
    description: `${what}: an object (replaces defaults' whole), or false: none on this route even when defaults set one`,
  })
}

export const MockMode = Type.Union([Type.Literal('off'), Type.Literal('fallback'), Type.Literal('always')], {
  description:
    "answers from the service's OpenAPI document: fallback (only when the gateway would answer 502/503/504 itself: every target down, circuits open, upstream unreachable) · always (never calls the upstream) · off (default)",
})
export type MockMode = Type.Static<typeof MockMode>

export const MockConfig = Type.Union(
  [
    MockMode,
    Type.Object(
      {
        mode: MockMode,
        seed: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 4294967295,
            description: 'seed of the data generated from schemas (default 1): same request, same body',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'mock answers from OpenAPI: a mode, or {mode, seed}' },
)
export type MockConfig = Type.Static<typeof MockConfig>

/** The fields a route is made of, shared by the config file, the manual store and the admin API. */
const routeFields = {
  path: Type.String({
    minLength: 1,
    description: 'request path; "/x" or "/x/*" match /x and below, see pathType',
  }),
  pathType: Type.Optional(
    Type.Union([Type.Literal('prefix'), Type.Literal('exact'), Type.Literal('regex')], {
      description:
        'prefix (default): the path and everything below it; exact; regex: path is a regular expression',
    }),
  ),
  methods: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z]+$' }))),
  hosts: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), { description: 'Host names; "*.example.test" allowed' }),
  ),
  matchHeaders: Type.Optional(
    Type.Record(Type.String({ minLength: 1 }), Type.String(), {
      description: 'request headers that must match: exact value, "*" for present, "~regex" for a pattern',
    }),
  ),
  targets: Type.Array(TargetConfig, { minItems: 1 }),
  stripPrefix: Type.Optional(Type.Boolean()),
  addPrefix: Type.Optional(Type.String({ pattern: '^/' })),
  protocol: Type.Optional(RouteProtocol),
  priority: Type.Optional(Type.Integer({ minimum: -1000000, maximum: 1000000 })),
  enabled: Type.Optional(Type.Boolean()),
  serviceName: Type.Optional(Type.String()),
  headers: Type.Optional(HeaderRules),
  loadBalancer: Type.Optional(LoadBalancerName),
  hashKey: Type.Optional(
    Type.String({ description: 'for hash balancing: "ip" (default) or "header:<name>"' }),
  ),
  timeout: Type.Optional(Duration),
  retry: Type.Optional(RetryConfig),
  rateLimit: Type.Optional(orOff(RateLimitConfig, 'rate limit')),
  healthCheck: Type.Optional(HealthCheckConfig),
  circuitBreaker: Type.Optional(CircuitBreakerConfig),
  cache: Type.Optional(orOff(CacheConfig, 'response cache')),
  cors: Type.Optional(orOff(CorsConfig, 'CORS')),
  jwt: Type.Optional(orOff(JwtConfig, 'JWT validation')),
  mock: Type.Optional(MockConfig),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  programs: Type.Optional(
    Type.Array(RouteProgram, {
      description:
        'expr-lang programs run once per request after balancing and admission, before proxying (README "Programs")',
    }),
  ),
}

/** A route as written in the config file: `id` is optional and derived from the path when absent. */
export const RouteConfig = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1 })),
    ...routeFields,
    createdAt: Type.Optional(Type.String({ description: 'kept for manual routes' })),
    updatedAt: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
export type RouteConfig = Type.Static<typeof RouteConfig>

/** Body of POST/PUT /gateway/api/routes: `path` is relative to the route prefix (default /api). */
export const RouteInput = Type.Object(routeFields, { additionalProperties: false })
export type RouteInput = Type.Static<typeof RouteInput>

export const AdminAuthConfig = Type.Object(
  {
    apiKey: Type.Optional(Type.String({ minLength: 8, description: 'accepted in the X-API-Key header' })),
    bearerToken: Type.Optional(Type.String({ minLength: 8 })),
    basic: Type.Optional(
      Type.Object(
        { username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

/** The compatible API dialects served beside the native admin API (see README "API dialects"). */
export const DialectsConfig = Type.Object(
  {
    fluxgate: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ description: 'serve /api/v2/gateway/* (default true)' })),
          apiKey: Type.Optional(
            Type.String({ minLength: 1, description: 'required in X-FluxGate-API-Key when set (redacted)' }),
          ),
          quotaPerMinute: Type.Optional(
            Type.Integer({ minimum: 1, description: 'management calls per minute (default 500)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    serviceManagement: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(
            Type.Boolean({ description: 'serve {adminBasePath}/management/* (default true)' }),
          ),
          password: Type.Optional(
            Type.String({ minLength: 1, description: 'Authorization must be md5(password) when set' }),
          ),
          // the keys a program's jwt() verifies with on routes that have no jwt config of their own
          jwt: Type.Optional(JwtConfig),
        },
        { additionalProperties: false },
      ),
    ),
    gobetween: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(
            Type.Boolean({ description: 'serve the gobetween REST API and its L4 servers (default off)' }),
          ),
          bind: Type.Optional(
            Type.String({
              pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s]*):\\d{1,5}$',
              description: 'host:port of the gobetween REST API (default 127.0.0.1:8888)',
            }),
          ),
          basicAuth: Type.Optional(
            Type.Object(
              { login: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type DialectsConfig = Type.Static<typeof DialectsConfig>

export const GatewayConfig = Type.Object(
  {
    server: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          drainTimeout: Type.Optional(Duration),
          /** A request head must be complete this long after its first byte, else 408 (default 30s). */
          headTimeout: Type.Optional(Duration),
          trustProxy: Type.Optional(Type.Boolean()),
          tls: Type.Optional(TlsConfig),
        },
        { additionalProperties: false },
      ),
    ),
    admin: Type.Optional(
      Type.Object(
        {
          basePath: Type.Optional(Type.String({ pattern: '^/[A-Za-z0-9._~-]+$' })),
          realtime: Type.Optional(Type.Boolean()),
          statsInterval: Type.Optional(Duration),
          auth: Type.Optional(AdminAuthConfig),
          allowedHosts: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    routePrefix: Type.Optional(Type.String({ pattern: '^(/[A-Za-z0-9._~-]+)*$' })),
    defaults: Type.Optional(
      Type.Object(
        {
          loadBalancer: Type.Optional(LoadBalancerName),
          timeout: Type.Optional(Duration),
          connectTimeout: Type.Optional(Duration),
          connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
          keepAliveTimeout: Type.Optional(Duration),
          healthCheck: Type.Optional(HealthCheckConfig),
          circuitBreaker: Type.Optional(CircuitBreakerConfig),
          retry: Type.Optional(RetryConfig),
          /** Request policies every route runs unless it sets its own or `false` (policy-defaults.ts). */
          cors: Type.Optional(CorsConfig),
          jwt: Type.Optional(JwtConfig),
          rateLimit: Type.Optional(RateLimitConfig),
          cache: Type.Optional(CacheConfig),
        },
        { additionalProperties: false },
      ),
    ),
    discovery: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          serviceTypes: Type.Optional(Type.Array(Type.String())),
          prefixTemplate: Type.Optional(Type.String()),
          removalGracePeriod: Type.Optional(Duration),
          include: Type.Optional(Type.Array(Type.String())),
          exclude: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    openapi: Type.Optional(
      Type.Object(
        {
          /** How often services' OpenAPI documents are re-fetched, conditionally (default 30s). */
          refreshInterval: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
    /** Where state shared by several gateway instances lives; absent: this process and its data dir. */
    store: Type.Optional(
      Type.Object(
        {
          redis: Type.Optional(
            Type.Object(
              {
                /** redis://[user:password@]host:port[/db] (Valkey works the same). */
                url: Type.String({ pattern: '^rediss?://' }),
                /** Prefix of every key and channel, so several gateway groups can share one server (default "sallyport:"). */
                keyPrefix: Type.Optional(Type.String({ minLength: 1 })),
                /** How long one store operation may take before the gateway decides alone (default 250ms). */
                timeout: Type.Optional(Duration),
                /** With the store unreachable, rate limits are enforced per instance (open, default) or refuse (closed). */
                failMode: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
                /** A circuit opened (or closed) on one gateway opens (closes) it on every gateway of the group (default false). */
                shareBreakers: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    inspector: Type.Optional(
      Type.Object(
        {
          /** Request and response body bytes kept per request (default 65536 each); 0: none kept. */
          bodyLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 * 1024 * 1024 })),
          /** Body bytes kept over all requests (default 8 MiB); the oldest bodies go first. */
          bodyBudget: Type.Optional(Type.Integer({ minimum: 0 })),
          /** Header names shown as [redacted], beside Authorization, Cookie, Set-Cookie, X-Api-Key. */
          redactHeaders: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          /** JSON body field names whose values are shown as [redacted] (replaces the default list). */
          redactFields: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        },
        { additionalProperties: false },
      ),
    ),
    routes: Type.Optional(
      Type.Array(Type.Unknown(), { description: 'routes; each is checked on its own (RouteConfig)' }),
    ),
    dialects: Type.Optional(DialectsConfig),
  },
  { additionalProperties: false, $id: 'https://sallyport.dev/schema/gateway-config.json' },
)
export type GatewayConfig = Type.Static<typeof GatewayConfig>
