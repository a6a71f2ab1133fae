// The export checked against the published Gateway API CRD schemas (@kubernetes-models/gateway-api
// ships them as validators): every document of a config that uses every feature must validate.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GRPCRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GRPCRoute'
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute'
import { parseAllDocuments } from 'yaml'
import { buildSnapshot } from '../config/snapshot.ts'
import type { GatewayConfig } from '../model/index.ts'
import { gatewayApiYaml, gatewayDuration } from './gateway-api.ts'
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from './k8s-names.ts'

const everything: GatewayConfig = {
  defaults: { timeout: '20s', rateLimit: { requestsPerSec: 50, burst: 100 } },
  routes: [
    {
      path: '/orders/*',
      stripPrefix: true,
      serviceName: 'Orders_Service',
      methods: ['GET', 'post'],
      hosts: ['shop.example.test', '*.shop.test'],
      matchHeaders: { 'x-canary': 'yes', 'x-trace': '*', 'x-ver': '~^v[12]$', 'x-env': '~prod' },
      targets: [
        { url: 'http://127.0.0.1:3001', weight: 3 },
        { url: 'http://127.0.0.1:3002', weight: 1 },
      ],
      timeout: 90_500,
      headers: { add: { 'X-Source': 'gateway' }, remove: ['X-Internal'] },
      cors: { origins: ['http://localhost:5173'], credentials: true, maxAge: 600 },
      jwt: { secret: 'a-very-long-test-secret-of-32-bytes!!', issuer: 'corp' },
      cache: { ttl: '1m' },
      retry: { maxAttempts: 3 },
      loadBalancer: 'least-load',
    },
    {
      id: 'exact-ping',
      path: '/v1/ping',
      pathType: 'exact',
      addPrefix: '/internal',
      targets: [{ url: 'https://ping.example.test' }],
    },
    {
      path: '^/files/[0-9]+\\.png$',
      pathType: 'regex',
      priority: 10,
      rateLimit: false,
      targets: [{ url: 'http://files.shop.svc.cluster.local:8080' }],
    },
    { path: '/legacy/*', addPrefix: '/v2', targets: [{ url: 'http://legacy.internal:9000/base' }] },
    {
      path: '/helloworld.Greeter/SayHello',
      pathType: 'exact',
      protocol: 'grpc',
      targets: [{ url: 'h2c://127.0.0.1:50051' }],
    },
    { path: '/off', enabled: false, targets: [{ url: 'http://127.0.0.1:1' }] },
  ],
}

function exported(config: GatewayConfig) {
  const { routes, ...rest } = config
  const snapshot = buildSnapshot([{ source: 'config', settings: rest, routes: routes ?? [] }], { version: 1 })
  assert.deepEqual(snapshot.issues, [])
  const text = gatewayApiYaml(snapshot.routes, {
    namespace: 'shop',
    gateway: 'edge',
    defaults: snapshot.settings.policyDefaults,
  })
  const docs = parseAllDocuments(text)
  return { text, docs: Array.isArray(docs) ? docs : [] }
}

type Route = {
  kind: string
  metadata: { name: string; namespace?: string; annotations: Record<string, string> }
  spec: {
    parentRefs: { name: string }[]
    hostnames?: string[]
    rules: {
      matches?: Record<string, unknown>[]
      filters?: Record<string, unknown>[]
      backendRefs: { name: string; port: number; weight: number; filters?: unknown[] }[]
      timeouts?: { request: string }
    }[]
  }
}

const { text, docs } = exported(everything)
const objects = docs.map((d) => {
  assert.deepEqual(d.errors, [])
  return d.toJS() as Route
})
const byId = (id: string) =>
  objects.find((o) => o.metadata.annotations['sallyport.dev/route-id'] === id) as Route

test('every document validates against the Gateway API v1 CRD schemas', () => {
  assert.equal(objects.length, 5, 'the disabled route is not exported')
  for (const o of objects) {
    const model = o.kind === 'GRPCRoute' ? new GRPCRoute(o as never) : new HTTPRoute(o as never)
    assert.doesNotThrow(() => model.validate(), `${o.metadata.name}`)
    assert.equal(o.metadata.namespace, 'shop')
    assert.deepEqual(o.spec.parentRefs, [{ name: 'edge' }])
  }
  // The validator has teeth: a wrong path type is refused.
  const broken = structuredClone(byId('config-/orders/*')) as unknown as {
    spec: { rules: { matches: { path: { type: string } }[] }[] }
  }
  const match = broken.spec.rules[0]?.matches[0]
  assert.ok(match)
  match.path.type = 'Prefix'
  assert.throws(() => new HTTPRoute(broken as never).validate(), /allowed values/)
})

test('object and Service names are DNS-1123, unique, and say how they were derived', () => {
  const names = objects.map((o) => o.metadata.name)
  assert.equal(new Set(names).size, names.length)
  for (const o of objects) {
    assert.match(o.metadata.name, DNS1123_SUBDOMAIN)
    for (const b of o.spec.rules[0]?.backendRefs ?? []) assert.match(b.name, DNS1123_LABEL)
  }
  assert.deepEqual(
    byId('config-/orders/*').spec.rules[0]?.backendRefs.map(({ name, port, weight }) => ({
      name,
      port,
      weight,
    })),
    [
      { name: 'orders-service-1', port: 3001, weight: 3 },
      { name: 'orders-service-2', port: 3002, weight: 1 },
    ],
  )
  assert.equal(byId('config-^/files/[0-9]+\\.png$').spec.rules[0]?.backendRefs[0]?.name, 'files')
  assert.equal(byId('exact-ping').spec.rules[0]?.backendRefs[0]?.port, 443)
  assert.match(
    text,
    /# http:\/\/127\.0\.0\.1:3001 → Service orders-service-1:3001, name from serviceName "Orders_Service"/,
  )
  assert.match(text, /→ Service files:8080, name from its host "files\.shop\.svc\.cluster\.local"/)
})

test('matches, header filters, CORS, timeouts and rewrites', () => {
  const orders = byId('config-/orders/*')
  const rule = orders.spec.rules[0]
  assert.deepEqual(orders.spec.hostnames, ['shop.example.test', '*.shop.test'])
  assert.deepEqual(
    rule?.matches?.map((m) => m.method),
    ['GET', 'POST'],
  )
  assert.deepEqual(rule?.matches?.[0], {
    path: { type: 'PathPrefix', value: '/orders' },
    headers: [
      { type: 'Exact', name: 'x-canary', value: 'yes' },
      { type: 'RegularExpression', name: 'x-trace', value: '.*' },
      { type: 'RegularExpression', name: 'x-ver', value: '^v[12]$' },
      { type: 'RegularExpression', name: 'x-env', value: 'prod' },
    ],
    method: 'GET',
  })
  assert.match(text, /value: "yes"/, 'quoted: a YAML 1.1 reader (kubectl) would read yes as true')
  assert.deepEqual(rule?.filters, [
    {
      type: 'RequestHeaderModifier',
      requestHeaderModifier: { set: [{ name: 'X-Source', value: 'gateway' }], remove: ['X-Internal'] },
    },
    {
      type: 'CORS',
      cors: {
        allowOrigins: ['http://localhost:5173'],
        allowMethods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
        allowCredentials: true,
        maxAge: 600,
      },
    },
    { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
  ])
  assert.deepEqual(rule?.timeouts, { request: '1m30s500ms' })
  assert.deepEqual(byId('exact-ping').spec.rules[0]?.timeouts, { request: '20s' }, "the gateway's default")
  assert.deepEqual(byId('exact-ping').spec.rules[0]?.filters, [
    {
      type: 'URLRewrite',
      urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/internal/v1/ping' } },
    },
  ])
  assert.deepEqual(byId('config-/legacy/*').spec.rules[0]?.filters, [
    {
      type: 'URLRewrite',
      urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/base/v2/legacy' } },
    },
  ])
  assert.deepEqual(byId('config-^/files/[0-9]+\\.png$').spec.rules[0]?.matches, [
    { path: { type: 'RegularExpression', value: '^/files/[0-9]+\\.png$' } },
  ])
})

test('a gRPC route becomes a GRPCRoute matching its service and method', () => {
  const grpc = byId('config-/helloworld.Greeter/SayHello')
  assert.equal(grpc.kind, 'GRPCRoute')
  assert.deepEqual(grpc.spec.rules[0]?.matches, [
    { method: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' } },
  ])
  assert.equal(grpc.spec.rules[0]?.timeouts, undefined, 'GRPCRoute has no timeouts')
  assert.match(text, /appProtocol kubernetes\.io\/h2c/)
})

test('what has no Gateway API equivalent is listed on its route, defaults included', () => {
  // A route's comment lines open its document, before its YAML.
  const section = (id: string) => {
    const doc = text.split(/^---$/m).find((d) => d.includes(`sallyport.dev/route-id: ${id}\n`)) ?? ''
    return doc.slice(0, doc.indexOf('apiVersion:'))
  }
  const orders = section('config-/orders/*')
  assert.match(orders, /not exported \(no Gateway API v1 equivalent\):/)
  assert.match(orders, /- JWT validation: keys from a shared secret, issuer corp/)
  assert.match(orders, /- rate limit \(gateway default\): 50\/s, burst 100, per route/)
  assert.match(orders, /- response cache: ttl 60s/)
  assert.match(
    orders,
    /- retry: up to 3 attempts \(rules\[\]\.retry exists in the experimental channel only\)/,
  )
  assert.match(orders, /- circuit breaker per target: 5 failures in 30s/)
  assert.match(orders, /- health checks: passive/)
  assert.match(orders, /- load balancer least-load/)
  assert.doesNotMatch(orders, /a-very-long-test-secret/, 'secrets never reach the export')
  const files = section('config-^/files/[0-9]+\\.png$')
  assert.doesNotMatch(files, /rate limit/, 'rateLimit: false turned the default off')
  assert.match(files, /- priority 10/)
  assert.match(text, /skipped config-\/off: disabled/)
  assert.match(section('config-/helloworld.Greeter/SayHello'), /gRPC-Web translation/)
  assert.doesNotMatch(files, /is searched for/, 'an anchored pattern needs no note')
  assert.match(orders, /note: header x-env pattern \/prod\/ is searched for by Sallyport/)
  assert.doesNotMatch(orders, /header x-ver pattern/, 'anchored at both ends')
})

test('Gateway API durations', () => {
  assert.equal(gatewayDuration(0), '0s')
  assert.equal(gatewayDuration(250), '250ms')
  assert.equal(gatewayDuration(30_000), '30s')
  assert.equal(gatewayDuration(5_400_000), '1h30m')
})

test('no routes: a comment only', () => {
  assert.match(exported({}).text, /^# .*: 0 route\(s\)\./)
})
