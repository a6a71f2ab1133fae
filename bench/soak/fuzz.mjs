// Part "fuzz": schema-aware fuzzed bodies against the native admin API and every dialect. Most bodies are
// near-valid (a valid shape from the API document with one field replaced, removed or added), the rest
// junk. Every answer must be < 500, the gateway must stay alive, and a rejected write must change nothing:
// the live config hash, every state file in the data dir and (gobetween) the running servers compare equal.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import fc from 'fast-check'
import { stop } from '../lib/procs.mjs'
import { startGateway } from './gateway.mjs'

const PORT = 19530
const GOBETWEEN = 19531
const L4_PORTS = [19540, 19549]
const UP = 'http://127.0.0.1:19511'

const JUNK_STRINGS = [
  '',
  ' ',
  '-1',
  '1e309',
  '../..',
  '\u0000',
  'x'.repeat(5000),
  '0ms',
  '5 seconds',
  '^(a+)+$',
  '[',
  'http://',
  '%zz',
  '🙂',
  'null',
]
const junkValue = fc.oneof(
  fc.constantFrom(...JUNK_STRINGS),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
)

/** Every path to a value inside `v` (objects and arrays), the root excluded. */
function paths(v, at = []) {
  if (v === null || typeof v !== 'object') return []
  return Object.keys(v).flatMap((k) => [[...at, k], ...paths(v[k], [...at, k])])
}

/** `valid` with one field replaced by junk, removed, or an unknown field added beside it. */
export function mutate(valid, pick, how, junk, safe) {
  const body = structuredClone(valid)
  const all = paths(body)
  if (all.length === 0) return junk
  const p = all[pick % all.length]
  const parent = p.slice(0, -1).reduce((o, k) => o[k], body)
  const key = p.at(-1)
  if (how === 'remove') Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key]
  else if (how === 'add' && !Array.isArray(parent)) parent[`unknown_${pick % 7}`] = junk
  else parent[key] = safe?.(key, junk) ?? junk
  return body
}

/** Near-valid bodies (4 in 5) and junk: objects, arrays, scalars, and text that is not JSON at all. */
function bodies(valid, safe) {
  const near = fc
    .tuple(valid, fc.nat(), fc.constantFrom('replace', 'replace', 'remove', 'add'), junkValue)
    .map(([v, pick, how, junk]) => ({ json: mutate(v, pick, how, junk, safe) }))
  const junk = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })),
    fc.string({ maxLength: 40 }).map((raw) => ({ raw })),
    fc.constantFrom(
      { raw: '{' },
      { raw: '{"a":' },
      { raw: 'null' },
      { raw: '' },
      { raw: '[]' },
      { raw: '{"__proto__":{"x":1}}' },
    ),
  )
  return fc.oneof({ weight: 4, arbitrary: near }, { weight: 1, arbitrary: junk })
}

const loopbackUrl = fc.constantFrom(UP, 'http://127.0.0.1:19512', 'http://localhost:19513/base')
const duration = fc.constantFrom('100ms', '2s', '1m', 500)
const routeShape = fc.record(
  {
    path: fc.constantFrom('/fz', '/fz/a', '/fz-b'),
    pathType: fc.constantFrom('prefix', 'exact'),
    targets: fc.array(fc.record({ url: loopbackUrl, weight: fc.integer({ min: 1, max: 10 }) }), {
      minLength: 1,
      maxLength: 2,
    }),
    methods: fc.constantFrom(['GET'], ['GET', 'POST']),
    timeout: duration,
    priority: fc.integer({ min: -10, max: 10 }),
    stripPrefix: fc.boolean(),
    retry: fc.record({
      maxAttempts: fc.integer({ min: 1, max: 3 }),
      backoff: fc.constantFrom('fixed', 'exponential'),
      retryOn: fc.constant([503]),
    }),
    rateLimit: fc.record({
      requestsPerSec: fc.integer({ min: 1, max: 100 }),
      burst: fc.integer({ min: 1, max: 100 }),
      scope: fc.constantFrom('route', 'client'),
    }),
    cache: fc.record({ ttl: duration, maxEntries: fc.integer({ min: 1, max: 100 }) }),
    cors: fc.record({
      origins: fc.constant(['http://app.test']),
      credentials: fc.boolean(),
      maxAge: fc.nat(600),
    }),
    jwt: fc.record({ secret: fc.constant('fuzz-secret-fuzz-secret'), issuer: fc.constant('fz') }),
    circuitBreaker: fc.record({ maxFailures: fc.integer({ min: 1, max: 9 }), openTimeout: duration }),
    healthCheck: fc.record({ enabled: fc.boolean(), path: fc.constant('/health'), interval: duration }),
    headers: fc.record({ add: fc.constant({ 'x-fz': '1' }), remove: fc.constant(['x-drop']) }),
    loadBalancer: fc.constantFrom('round-robin', 'least-connections', 'ip-hash'),
  },
  { requiredKeys: ['path', 'targets'] },
)

function fluxMiddleware() {
  return fc.oneof(
    fc.record({
      type: fc.constant('rate-limit'),
      config: fc.record({
        requests: fc.integer({ min: 1, max: 100 }),
        window: fc.constantFrom('1s', '60s'),
        burst: fc.integer({ min: 1, max: 10 }),
        key: fc.constantFrom('ip', 'header:x-user'),
      }),
    }),
    fc.record({
      type: fc.constant('cors'),
      config: fc.record({
        origins: fc.constant(['http://app.test']),
        credentials: fc.boolean(),
        max_age: fc.nat(600),
      }),
    }),
    fc.record({
      type: fc.constant('jwt-auth'),
      config: fc.record({ secret: fc.constant('fuzz-secret-fuzz-secret'), issuer: fc.constant('fz') }),
    }),
  )
}

/** The APIs: each has write endpoints (method, url, valid-shape arbitrary) and a state to compare. */
function apis(fixture) {
  const flux = '/api/v2/gateway'
  const sm = '/gateway/management'
  const fluxRoute = fc.record(
    {
      name: fc.constantFrom('fz-route-a', 'fz-route-b'),
      match: fc.oneof(
        fc.record({ prefix: fc.constantFrom('/fx', '/fx/b') }),
        fc.record({ path: fc.constant('/fx/p'), methods: fc.constant(['GET']) }),
      ),
      upstream: fc.record({
        id: fc.constant(fixture.upstreamId),
        strategy: fc.constantFrom('round-robin', 'least-conn'),
      }),
      middleware: fc
        .array(fluxMiddleware(), { maxLength: 2 })
        .map((l) => l.filter((m, i) => l.findIndex((x) => x.type === m.type) === i)),
      enabled: fc.boolean(),
      strip_prefix: fc.boolean(),
    },
    { requiredKeys: ['name', 'match', 'upstream'] },
  )
  const fluxUpstream = fc.record(
    {
      name: fc.constantFrom('fz-up-a', 'fz-up-b'),
      targets: fc.array(fc.record({ url: loopbackUrl, weight: fc.integer({ min: 1, max: 100 }) }), {
        minLength: 1,
        maxLength: 2,
      }),
      strategy: fc.constantFrom('round-robin', 'weighted', 'ip-hash'),
      health_check: fc.record({ path: fc.constant('/health'), interval: fc.constantFrom('10s', '1m') }),
      circuit_breaker: fc.record({
        threshold: fc.integer({ min: 1, max: 9 }),
        timeout: fc.constantFrom('30s'),
      }),
    },
    { requiredKeys: ['name', 'targets'] },
  )
  const gobServer = fc.record({
    bind: fc.integer({ min: L4_PORTS[0], max: L4_PORTS[1] }).map((p) => `127.0.0.1:${p}`),
    protocol: fc.constant('tcp'),
    balance: fc.constantFrom('roundrobin', 'weight', 'leastconn', 'iphash'),
    max_connections: fc.integer({ min: 0, max: 100 }),
    client_idle_timeout: fc.constantFrom('10m', '5s'),
    backend_idle_timeout: fc.constantFrom('10m', '5s'),
    backend_connection_timeout: fc.constantFrom('2s'),
    discovery: fc.record({
      kind: fc.constant('static'),
      static_list: fc.constant(['127.0.0.1:19511 weight=1']),
    }),
    healthcheck: fc.record({ kind: fc.constant('none') }),
  })
  // gobetween binds real listeners: a replaced bind is junk that cannot name a non-loopback address
  const safeBind = (key, junk) =>
    key === 'bind' && typeof junk === 'string' && /\d:\d/.test(junk) ? 'nope' : undefined
  return {
    native: {
      writes: [
        ['POST', () => '/gateway/api/routes', bodies(routeShape)],
        ['PUT', () => '/gateway/api/routes/manual-/fz-base', bodies(routeShape)],
      ],
      // an accepted create is taken back, so the table stays small
      undo: (method, _url, r) =>
        method === 'POST' && r.json?.id ? ['DELETE', `/gateway/api/routes/${encodeURI(r.json.id)}`] : null,
    },
    fluxgate: {
      writes: [
        ['POST', () => `${flux}/routes`, bodies(fluxRoute)],
        ['PUT', () => `${flux}/routes/${fixture.fluxRouteId}`, bodies(fluxRoute)],
        ['POST', () => `${flux}/upstreams`, bodies(fluxUpstream)],
        ['PATCH', () => `${flux}/upstreams/${fixture.upstreamId}`, bodies(fluxUpstream)],
        [
          'POST',
          () => `${flux}/middleware/rate-limit/attach`,
          bodies(
            fc.record({
              route_id: fc.constant(fixture.fluxRouteId),
              config: fc.record({ requests: fc.integer({ min: 1, max: 100 }), window: fc.constant('1s') }),
            }),
          ),
        ],
      ],
      undo: (method, url, r) =>
        method === 'POST' && url.endsWith('/routes') && r.json?.id
          ? ['DELETE', `${url}/${encodeURIComponent(r.json.id)}`]
          : null,
    },
    serviceManagement: {
      writes: [
        [
          'PUT',
          () => `${sm}/config/load_balance`,
          bodies(
            fc.record({
              service_name: fc.constant('fz-svc'),
              config: fc.record({ strategy: fc.constantFrom('round-robin', 'random', 'hash') }),
            }),
          ),
        ],
        [
          'PUT',
          () => `${sm}/config/rate_limiter`,
          bodies(
            fc.record({
              service_name: fc.constant('fz-svc'),
              config: fc.record({
                rate: fc.integer({ min: 0, max: 100 }),
                peak: fc.integer({ min: 0, max: 100 }),
              }),
            }),
          ),
        ],
        [
          'PUT',
          () => `${sm}/config/breaker`,
          bodies(
            fc.record({
              service_name: fc.constant('fz-svc'),
              config: fc.record({
                max_failures: fc.integer({ min: 1, max: 9 }),
                half_open_max_requests: fc.integer({ min: 1, max: 3 }),
                open_timeout: fc.constantFrom('30s', '1m'),
                interval: fc.constantFrom('30s'),
                name: fc.constant('b'),
              }),
            }),
          ),
        ],
        [
          'PUT',
          () => `${sm}/program/variable`,
          bodies(fc.record({ key: fc.constantFrom('a', 'b'), value: fc.jsonValue({ maxDepth: 1 }) })),
        ],
        [
          'PUT',
          () => `${sm}/program/info`,
          bodies(
            fc.record({
              expr: fc.constantFrom('cHJpbnQoMSk=', 'eA=='),
              name: fc.constantFrom('p1', 'p2'),
              service_name: fc.constant('fz-svc'),
            }),
          ),
        ],
      ],
      undo: () => null,
    },
    gobetween: {
      port: GOBETWEEN,
      writes: [
        [
          'POST',
          (n) => `/servers/${n % 10 === 0 ? encodeURIComponent(`fz ${n}`) : `fz-${n}`}`,
          bodies(gobServer, safeBind),
        ],
      ],
      undo: (_method, url, r) => (r.status === 200 ? ['DELETE', url] : null),
      extraState: async () => (await call(GOBETWEEN, 'GET', '/servers')).text,
    },
    platform: {
      // the platform document's endpoints take no body: whatever is sent, /live and /health never fail
      writes: ['/live', '/ready', '/health', '/live?verbose=1'].flatMap((p) =>
        ['GET', 'POST', 'PUT'].map((m) => [m, () => p, bodies(fc.record({ status: fc.constant('ok') }))]),
      ),
      undo: () => null,
    },
  }
}

function call(port, method, p, { json, raw } = {}) {
  const body = raw ?? (json === undefined ? undefined : JSON.stringify(json))
  return new Promise((resolve) => {
    let req
    try {
      req = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path: p,
          agent: callAgent,
          timeout: 10_000,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
        },
        (res) => {
          const parts = []
          res.on('data', (c) => parts.push(c))
          res.on('end', () => {
            const text = Buffer.concat(parts).toString()
            let parsed
            try {
              parsed = JSON.parse(text)
            } catch {}
            resolve({ status: res.statusCode, text, json: parsed })
          })
          res.on('error', (e) => resolve({ status: 0, text: e.message }))
        },
      )
    } catch (e) {
      return resolve({ status: -1, text: `not sent: ${e.message}` })
    }
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')))
    req.on('error', (e) => resolve({ status: 0, text: e.message }))
    req.end(body)
  })
}
let callAgent

/** Rejected: an error status, or service management's 200 with a non-zero code. */
const rejected = (r) => r.status >= 400 || (typeof r.json?.code === 'number' && r.json.code !== 0)

async function stateOf(dataDir, api) {
  const config = (await call(PORT, 'GET', '/gateway/api/config')).json
  const files = fs
    .readdirSync(dataDir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => `${f}\n${fs.readFileSync(path.join(dataDir, f), 'utf8')}`)
  return JSON.stringify([config?.hash, files, api.extraState ? await api.extraState() : null])
}

export async function fuzzPart(ctx, { bodies: perApi, seed }) {
  const dir = path.join(ctx.work, 'fuzz')
  const dataDir = path.join(dir, 'data')
  fs.mkdirSync(dataDir, { recursive: true })
  const configFile = path.join(dir, 'gateway.json')
  const config = {
    routePrefix: '',
    dialects: {
      fluxgate: { quotaPerMinute: 10_000_000 },
      gobetween: { enabled: true, bind: `127.0.0.1:${GOBETWEEN}` },
    },
  }
  fs.writeFileSync(configFile, JSON.stringify(config, null, 1))
  const gw = await startGateway({
    port: PORT,
    config: configFile,
    dataDir,
    logFile: path.join(ctx.work, 'logs', 'fuzz-gateway.log'),
  })
  callAgent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  try {
    // fixtures the PUT/PATCH bodies point at
    const up = await call(PORT, 'POST', '/api/v2/gateway/upstreams', {
      json: { name: 'fz-base', targets: [{ url: UP, weight: 1 }] },
    })
    const route = await call(PORT, 'POST', '/api/v2/gateway/routes', {
      json: { name: 'fz-base-route', match: { prefix: '/fz-base-flux' }, upstream: { id: up.json?.id } },
    })
    const base = await call(PORT, 'POST', '/gateway/api/routes', {
      json: { path: '/fz-base', targets: [{ url: UP }] },
    })
    if (up.status !== 201 || route.status !== 201 || base.status !== 201)
      throw new Error(`fixtures refused: ${up.text} ${route.text} ${base.text}`)
    const fixture = { upstreamId: up.json.id, fluxRouteId: route.json.id }
    const results = {}
    let alive = true
    for (const [name, api] of Object.entries(apis(fixture))) {
      const port = api.port ?? PORT
      const res = { bodies: 0, statusClasses: {}, fiveXx: [], changedByRejected: [], accepted: 0 }
      results[name] = res
      const perWrite = Math.ceil(perApi / api.writes.length)
      let state = await stateOf(dataDir, api)
      for (const [wi, [method, urlOf, arb]] of api.writes.entries()) {
        const samples = fc.sample(arb, { numRuns: perWrite, seed: seed + wi })
        for (const [i, body] of samples.entries()) {
          if (res.bodies >= perApi) break
          const url = urlOf(i)
          const r = await call(port, method, url, body)
          res.bodies++
          if (r.status === -1) {
            // a URL node:http will not send (fuzzed name with raw control characters): not the gateway's
            res.statusClasses['not sent'] = (res.statusClasses['not sent'] ?? 0) + 1
            continue
          }
          const cls = r.status === 0 ? 'no answer' : `${String(r.status)[0]}xx`
          res.statusClasses[cls] = (res.statusClasses[cls] ?? 0) + 1
          if (r.status >= 500 || r.status === 0) {
            // the platform document's /ready and /health answer 503 with a status body when a dependency is
            // down (the fuzz routes' targets are): documented, not a failure; any other 5xx is a defect
            const documented =
              /^\/(ready|health)$/.test(url) && r.status === 503 && typeof r.json?.status === 'string'
            if (!documented && res.fiveXx.length < 20)
              res.fiveXx.push({ method, url, body, status: r.status, answer: r.text.slice(0, 300) })
          }
          if (rejected(r)) {
            const now = await stateOf(dataDir, api)
            if (now !== state && res.changedByRejected.length < 20)
              res.changedByRejected.push({
                method,
                url,
                body,
                status: r.status,
                answer: r.text.slice(0, 300),
              })
            state = now
          } else {
            res.accepted++
            const undo = api.undo(method, url, r)
            if (undo) await call(port, undo[0], undo[1])
            state = await stateOf(dataDir, api)
          }
        }
      }
      alive = alive && (await call(PORT, 'GET', '/live')).status === 200
      ctx.log(
        `  fuzz: ${name} ${res.bodies} bodies ${JSON.stringify(res.statusClasses)}, 5xx ${res.fiveXx.length}, changed by a rejected write ${res.changedByRejected.length}`,
      )
    }
    alive = alive && !gw.exited && (await call(PORT, 'GET', '/live')).status === 200
    const checks = {
      no5xx: Object.values(results).every((r) => r.fiveXx.length === 0),
      rejectedChangedNothing: Object.values(results).every((r) => r.changedByRejected.length === 0),
      gatewayAlive: alive,
    }
    return { pass: Object.values(checks).every(Boolean), checks, apis: results, alive }
  } finally {
    callAgent.destroy()
    await stop(gw)
  }
}
