import assert from 'node:assert/strict'
import { test } from 'node:test'
import { diffContracts, MAX_CHANGES } from './contract-diff.ts'
import type { OpenApiDocument } from './fetch-document.ts'

const user = {
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'user'] },
  },
}

function doc(
  paths: Record<string, unknown>,
  schemas: Record<string, unknown> = { User: user },
): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: paths as never,
    components: { schemas },
  }
}

const ok = (schema: unknown) => ({
  '200': { description: 'ok', content: { 'application/json': { schema } } },
})
const base = doc({
  '/users/{id}': {
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
    get: {
      parameters: [{ name: 'fields', in: 'query', schema: { type: 'string' } }],
      responses: ok({ $ref: '#/components/schemas/User' }),
    },
    put: {
      requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
      responses: ok({ $ref: '#/components/schemas/User' }),
    },
  },
  '/health': { get: { responses: { '200': { description: 'ok' } } } },
})

function withUser(u: unknown) {
  return doc(structuredClone(base.paths ?? {}) as never, { User: u })
}

test('the same document: no changes', () => {
  assert.deepEqual(diffContracts(base, structuredClone(base)), {
    added: 0,
    removed: 0,
    changed: 0,
    breaking: 0,
    changes: [],
    truncated: false,
  })
})

test('an operation removed is breaking, one added is not; a renamed path parameter is the same path', () => {
  const next = structuredClone(base)
  const paths = next.paths as Record<string, Record<string, unknown>>
  paths['/users/{userId}'] = paths['/users/{id}'] as Record<string, unknown>
  delete paths['/users/{id}']
  delete paths['/health']
  paths['/metrics'] = { get: { responses: { '200': { description: 'ok' } } } }
  const d = diffContracts(base, next)
  assert.equal(d.removed, 1)
  assert.equal(d.added, 1)
  assert.deepEqual(
    d.changes.map((c) => [c.kind, c.operation, c.breaking]),
    [
      ['operation-removed', 'GET /health', true],
      ['operation-added', 'GET /metrics', false],
    ],
  )
})

test('parameters: a new required one breaks callers, an optional one or a removal does not', () => {
  const next = structuredClone(base)
  const get = (next.paths as never as Record<string, Record<string, { parameters: unknown[] }>>)[
    '/users/{id}'
  ]?.get
  if (!get) throw new Error('fixture')
  get.parameters = [
    { name: 'tenant', in: 'header', required: true, schema: { type: 'string' } },
    { name: 'page', in: 'query', schema: { type: 'integer' } },
  ]
  const d = diffContracts(base, next)
  assert.deepEqual(
    d.changes.map((c) => [c.detail, c.breaking]),
    [
      ['query parameter fields removed', false],
      ['header parameter tenant added (required)', true],
      ['query parameter page added', false],
    ],
  )
  assert.equal(d.breaking, 1)
  assert.equal(d.changed, 1)
})

test('a parameter whose type changes or that becomes required is breaking', () => {
  const next = structuredClone(base)
  const item = (
    next.paths as never as Record<
      string,
      { parameters: { schema: unknown; required?: boolean }[]; get: { parameters: { required?: boolean }[] } }
    >
  )['/users/{id}']
  if (!item) throw new Error('fixture')
  ;(item.parameters[0] as { schema: unknown }).schema = { type: 'string' }
  ;(item.get.parameters[0] as { required?: boolean }).required = true
  const details = diffContracts(base, next).changes.map((c) => [c.detail, c.breaking])
  assert.deepEqual(details, [
    ['path parameter id: type integer → string', true],
    ['query parameter fields is now required', true],
    ['path parameter id: type integer → string', true],
  ])
})

test('schemas are compared in the direction data flows (request: new required field breaks; response: removed field breaks)', () => {
  const next = withUser({
    type: 'object',
    required: ['id', 'name', 'email'],
    properties: {
      id: { type: 'integer' },
      email: { type: 'string' },
      role: { type: 'string', enum: ['admin', 'user', 'guest'] },
    },
  })
  const byOp = (op: string) =>
    diffContracts(base, next)
      .changes.filter((c) => c.operation === op)
      .map((c) => [c.detail, c.breaking])
  assert.deepEqual(byOp('GET /users/{id}'), [
    ['response 200 body: property name removed', true],
    ['response 200 body.role: enum value(s) guest added', true],
    ['response 200 body: property email added (required)', false],
  ])
  assert.deepEqual(byOp('PUT /users/{id}'), [
    ['request body: property name removed', false],
    ['request body.role: enum value(s) guest added', false],
    ['request body: property email added (required)', true],
    ['response 200 body: property name removed', true],
    ['response 200 body.role: enum value(s) guest added', true],
    ['response 200 body: property email added (required)', false],
  ])
})

test('a type change of a field is breaking both ways; a 2xx response removed is breaking, a new 404 is not', () => {
  const next = withUser({
    ...user,
    properties: { ...user.properties, id: { type: 'string', format: 'uuid' } },
  })
  const get = (next.paths as never as Record<string, Record<string, { responses: Record<string, unknown> }>>)[
    '/users/{id}'
  ]?.get
  if (!get) throw new Error('fixture')
  get.responses = { '404': { description: 'missing' } }
  const d = diffContracts(base, next)
  assert.deepEqual(
    d.changes.filter((c) => c.operation === 'GET /users/{id}').map((c) => [c.kind, c.detail, c.breaking]),
    [
      ['response-removed', 'response 200 removed', true],
      ['response-added', 'response 404 added', false],
    ],
  )
  assert.ok(d.changes.some((c) => c.detail === 'request body.id: type integer → string' && c.breaking))
})

test('a recursive schema is compared once per reference pair and ends', () => {
  const node = {
    type: 'object',
    properties: { child: { $ref: '#/components/schemas/Node' }, v: { type: 'integer' } },
  }
  const a = doc(
    { '/tree': { get: { responses: ok({ $ref: '#/components/schemas/Node' }) } } },
    { Node: node },
  )
  const changed = {
    type: 'object',
    properties: { child: { $ref: '#/components/schemas/Node' }, v: { type: 'string' } },
  }
  const b = doc(
    { '/tree': { get: { responses: ok({ $ref: '#/components/schemas/Node' }) } } },
    { Node: changed },
  )
  assert.deepEqual(
    diffContracts(a, b).changes.map((c) => c.detail),
    ['response 200 body.v: type integer → string'],
  )
})

test(`at most ${MAX_CHANGES} changes are listed; the counts stay exact`, () => {
  const paths: Record<string, unknown> = {}
  for (let i = 0; i < 300; i++) paths[`/p${i}`] = { get: { responses: { '200': { description: 'ok' } } } }
  const d = diffContracts(doc(paths), doc({}))
  assert.equal(d.removed, 300)
  assert.equal(d.changes.length, MAX_CHANGES)
  assert.equal(d.truncated, true)
})

test('a response or request body documented for the first time is a compatible change', () => {
  const a = doc({ '/x': { post: { responses: { '200': { description: 'ok' } } } } })
  const b = doc({
    '/x': {
      post: {
        requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
        responses: ok({ type: 'object' }),
      },
    },
  })
  assert.deepEqual(
    diffContracts(a, b).changes.map((c) => [c.detail, c.breaking]),
    [
      ['request body added', false],
      ['response 200 body schema added', false],
    ],
  )
  assert.deepEqual(
    diffContracts(b, a).changes.map((c) => [c.detail, c.breaking]),
    [
      ['request body removed', false],
      ['response 200 body schema removed', false],
    ],
  )
})
