import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { CHECKED_SCHEMAS, standaloneChecksSource } from '../model/standalone-checks.ts'
import { generatedChecks } from './schema-checks.generated.ts'
import { checkRoute, checkRouteInput, checkSettings } from './validate.ts'

test('schema-checks.generated.ts is up to date (npm run schema)', () => {
  const committed = readFileSync(new URL('./schema-checks.generated.ts', import.meta.url), 'utf8')
  assert.equal(committed, standaloneChecksSource())
})

const route = { path: '/api', targets: [{ url: 'http://127.0.0.1:9000' }] }
const samples: Record<keyof typeof generatedChecks, unknown[]> = {
  GatewayConfig: [
    {},
    { server: { port: 8080, drainTimeout: '5s' }, routes: [route] },
    { server: { port: 70000 } },
    { server: { drainTimeout: '5 seconds' } },
    { admin: { basePath: 'no-slash' } },
    { routes: [{ path: '/x' }] },
    { unknown: true },
    { routes: 'not a list' },
    null,
  ],
  RouteConfig: [
    route,
    { ...route, pathType: 'regex', methods: ['GET', 'POST'], timeout: '2s' },
    { ...route, pathType: 'glob' },
    { ...route, methods: ['get'] },
    { ...route, targets: [{ url: 'ftp://x' }] },
    { ...route, targets: [{ url: 'http://a', weight: 1001 }] },
    { ...route, extra: 1 },
    { path: '/only' },
    [],
  ],
  RouteInput: [route, { ...route, id: 'x' }, { targets: [] }, { ...route, path: 3 }, 'route'],
}

test('each generated check accepts and rejects exactly what TypeBox does with the model', () => {
  for (const [name, values] of Object.entries(samples) as [keyof typeof generatedChecks, unknown[]][]) {
    const typebox = Compile(CHECKED_SCHEMAS[name] as TSchema)
    const { check } = generatedChecks[name] as { check: (v: unknown) => boolean }
    const verdicts = values.map((v) => check(v))
    assert.deepEqual(
      verdicts,
      values.map((v) => typebox.Check(v)),
      name,
    )
    assert.ok(verdicts.includes(true) && verdicts.includes(false), `${name}: samples cover both answers`)
  }
})

test('a value that fails its check is explained field by field', () => {
  assert.deepEqual(checkRoute(route), [])
  assert.deepEqual(checkRoute({ path: '/only' }), [{ path: ['targets'], message: 'is required' }])
  assert.deepEqual(checkRouteInput({ ...route, extra: 1 }), [
    { path: ['extra'], message: 'unknown field "extra"' },
  ])
  assert.deepEqual(checkRoute({ ...route, targets: [{ url: 'ftp://x' }] }), [
    {
      path: ['targets', 0, 'url'],
      message: 'must be an http(s), ws(s) or h2c (cleartext HTTP/2) URL such as http://127.0.0.1:3000',
    },
  ])
  assert.deepEqual(checkSettings({ admin: { basePath: 'no-slash' } }), [
    { path: ['admin', 'basePath'], message: 'must match pattern "^/[A-Za-z0-9._~-]+$"' },
  ])
  assert.deepEqual(checkSettings({ server: { drainTimeout: '5 seconds' } }), [
    {
      path: ['server', 'drainTimeout'],
      message: 'must be milliseconds, or a string such as "250ms", "5s", "1m"',
    },
  ])
})
