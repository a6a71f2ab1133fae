// `sallyport export --format gateway-api`, run as users run it: from a config file, and from a running
// gateway whose admin API holds routes the file does not (made through the API, behind admin auth).
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { GRPCRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/GRPCRoute'
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute'
import { parseAllDocuments } from 'yaml'
import { tempDir } from '../gateway/helpers.ts'
import { runCli, startCli } from './run-cli.ts'

const dir = tempDir('sallyport-export-')
const write = (name: string, text: string) => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

interface Route {
  kind: string
  metadata: { name: string; namespace?: string; annotations: Record<string, string> }
}

/** Parses a YAML stream and validates each document against the Gateway API CRD schemas. */
function validRoutes(text: string): Route[] {
  return parseAllDocuments(text as string).map((doc) => {
    assert.deepEqual(doc.errors, [])
    const o = doc.toJS() as Route
    const model = o.kind === 'GRPCRoute' ? new GRPCRoute(o as never) : new HTTPRoute(o as never)
    model.validate()
    return o
  })
}

const config = write(
  'routes.yaml',
  [
    'routes:',
    '  - path: /orders/*',
    '    serviceName: orders',
    '    targets: [{ url: "http://127.0.0.1:3001" }]',
    '    jwt: { secret: "a-very-long-test-secret-of-32-bytes!!" }',
    '  - path: /helloworld.Greeter',
    '    protocol: grpc',
    '    targets: [{ url: "h2c://127.0.0.1:50051" }]',
    '',
  ].join('\n'),
)

describe('sallyport export', () => {
  test('--config … --out: valid HTTPRoute and GRPCRoute documents, JWT listed as not exported', () => {
    const out = join(dir, 'routes.k8s.yaml')
    const r = runCli(['export', '--format', 'gateway-api', '--config', config, '-n', 'shop', '--out', out])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /wrote 2 route\(s\) to \S+routes\.k8s\.yaml/)
    const text = readFileSync(out, 'utf8')
    const routes = validRoutes(text)
    assert.deepEqual(
      routes.map((o) => [o.kind, o.metadata.name, o.metadata.namespace]),
      [
        ['HTTPRoute', 'config-orders', 'shop'],
        ['GRPCRoute', 'config-helloworld-greeter', 'shop'],
      ],
    )
    assert.match(text, /- JWT validation: keys from a shared secret/)
    assert.doesNotMatch(text, /test-secret/)
  })

  test('a bad or missing format: one clear line, exit 2', () => {
    const none = runCli(['export'])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /--format <format>' not specified/)
    const bad = runCli(['export', '--format', 'istio'])
    assert.equal(bad.code, 2)
    assert.equal(bad.stderr.trim().split('\n').length, 1)
    assert.match(bad.stderr, /Allowed choices are gateway-api/)
    const both = runCli([
      'export',
      '--format',
      'gateway-api',
      '--config',
      config,
      '--from',
      'http://127.0.0.1:1',
    ])
    assert.equal(both.code, 2)
    assert.match(both.stderr, /'--from <url>' cannot be used with option '-c, --config <file>'/)
  })

  describe('--from a running gateway', () => {
    const key = 'export-test-admin-key'
    const guarded = write(
      'guarded.yaml',
      `admin: { auth: { apiKey: ${key} } }\nroutes:\n  - path: /orders/*\n    targets: [{ url: "http://127.0.0.1:3001" }]\n`,
    )
    let stop: (() => Promise<unknown>) | undefined
    after(() => stop?.())

    test('exports the routes made through the admin API too, with --token when admin auth is on', async () => {
      const gw = await startCli(['--port', '0', '--no-discovery', '--data-dir', dir, '--config', guarded])
      stop = () => gw.stop('SIGTERM')
      const made = await fetch(`${gw.url}/gateway/api/routes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({
          path: '/users',
          targets: [{ url: 'http://users.shop.svc:8080', weight: 2 }],
          stripPrefix: true,
          cache: { ttl: '30s' },
        }),
      })
      assert.equal(made.status, 201, await made.text())
      const refused = runCli(['export', '--format', 'gateway-api', '--from', gw.url])
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /HTTP 401 \(admin auth is on: pass --token\)/)
      const r = runCli(['export', '--format', 'gateway-api', '--from', gw.url, '--token', key])
      assert.equal(r.code, 0, r.stderr)
      const routes = validRoutes(r.stdout)
      assert.deepEqual(routes.map((o) => o.metadata.annotations['sallyport.dev/route-id']).sort(), [
        'config-/orders/*',
        'manual-/users',
      ])
      assert.match(r.stdout, /value: \/api\/users/, 'the public path, under the route prefix')
      assert.match(r.stdout, /replacePrefixMatch: \//)
      assert.match(r.stdout, /→ Service users:8080, name from its host "users\.shop\.svc"/)
      assert.match(r.stdout, /- response cache: ttl 30s/)
    })
  })
})
