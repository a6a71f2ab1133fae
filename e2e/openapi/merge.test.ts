import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  compileValidator,
  mergeDocuments,
  parseDocumentText,
  toOpenApi31,
} from '../../src/gateway/openapi/index.ts'

const swagger20 = {
  swagger: '2.0',
  info: { title: 'Orders', version: '2.0.0' },
  host: 'orders.internal:9000',
  basePath: '/v1',
  paths: {
    '/orders': {
      get: {
        operationId: 'list',
        responses: {
          200: { description: 'ok', schema: { type: 'array', items: { $ref: '#/definitions/User' } } },
        },
      },
    },
  },
  definitions: { User: { type: 'object', properties: { buyerId: { type: 'integer' } } } },
}

const openapi30 = `openapi: 3.0.3
info: {title: Users, version: 1.0.0}
servers: [{url: 'http://users.internal:8080'}]
paths:
  /users:
    get:
      operationId: list
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/User'}
components:
  schemas:
    User: {type: object, nullable: true, properties: {name: {type: string}}}
`

const openapi31 = {
  openapi: '3.1.0',
  info: { title: 'Billing', version: '0.1.0' },
  paths: {
    '/invoices/{id}': {
      get: {
        operationId: 'list',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
          },
        },
      },
    },
  },
  components: { schemas: { User: { type: ['object', 'null'], properties: { iban: { type: 'string' } } } } },
}

describe('OpenAPI merge', () => {
  const sources = [
    { service: 'orders', prefix: '/orders', document: toOpenApi31(swagger20).document },
    {
      service: 'user-service',
      prefix: '/user-service',
      document: toOpenApi31(parseDocumentText(openapi30)).document,
    },
    { service: 'billing', prefix: '', document: toOpenApi31(openapi31).document },
  ]

  test('2.0, 3.0 (YAML) and 3.1 merge into one 3.1.0 document served by the gateway', () => {
    const { document, errors } = mergeDocuments(sources, { serverUrl: 'http://127.0.0.1:8080' })
    assert.deepEqual(errors, {})
    assert.equal(document.openapi, '3.1.0')
    assert.deepEqual(
      document.servers?.map((s) => s.url),
      ['http://127.0.0.1:8080'],
    )
    assert.deepEqual(Object.keys(document.paths ?? {}).sort(), [
      '/invoices/{id}',
      '/orders/v1/orders',
      '/user-service/users',
    ])
    const tags = (document.tags as { name: string }[]).map((t) => t.name).sort()
    assert.deepEqual(tags, ['billing', 'orders', 'user-service'])
    const schemas = Object.keys(document.components?.schemas ?? {}).sort()
    assert.equal(schemas.length, 3, `three User schemas kept apart: ${schemas}`)
    const opIds = Object.values(document.paths ?? {}).map(
      (item) => (item.get as { operationId: string }).operationId,
    )
    assert.equal(new Set(opIds).size, 3, `operationIds unique: ${opIds}`)
    const usersRef = JSON.stringify(document.paths?.['/user-service/users'])
    assert.match(usersRef, /UserServiceUser|"#\/components\/schemas\/User"/)
    // The 3.0 `nullable` became a 3.1 type list.
    assert.ok(JSON.stringify(document.components).includes('"null"'))
  })

  test('a document that cannot be merged is reported and the rest still merges', () => {
    const broken = {
      service: 'broken',
      prefix: '/broken',
      document: {
        openapi: '3.1.0',
        info: { title: 'x', version: '1' },
        paths: { '/a': { get: { operationId: 'x', responses: 'nope' } } },
      },
    }
    const { document, errors } = mergeDocuments([...sources, broken as never], { serverUrl: 'http://gw' })
    assert.ok(Object.keys(document.paths ?? {}).includes('/user-service/users'))
    assert.ok(Object.keys(errors).length <= 1)
  })

  test('paths are prefixed, servers dropped, and the source documents are left as they were', () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'refs', version: '1' },
      servers: [{ url: 'https://elsewhere.invalid' }],
      paths: {
        '/a': {
          get: { servers: [{ url: 'https://op.invalid' }], responses: { 200: { description: 'ok' } } },
        },
        '/b': { $ref: '#/paths/~1a' },
      },
    }
    const plain = { ...doc, paths: { '/a': doc.paths['/a'] } }
    const before = structuredClone([doc, plain])
    const withRef = mergeDocuments([{ service: 'refs', prefix: '/r', document: doc }], {
      serverUrl: 'http://gw',
    })
    assert.deepEqual(Object.keys(withRef.document.paths ?? {}).sort(), ['/r/a', '/r/b'])
    const prefixed = mergeDocuments([{ service: 'plain', prefix: '/p', document: plain }], {
      serverUrl: 'http://gw',
    })
    const op = prefixed.document.paths?.['/p/a']?.get as Record<string, unknown>
    assert.equal(op.servers, undefined)
    assert.deepEqual([doc, plain], before)
  })

  test('non-OpenAPI input is refused with a reason', () => {
    assert.throws(() => toOpenApi31({ hello: 'world' } as never), /not an OpenAPI document/)
    assert.throws(() => toOpenApi31({ openapi: '4.0.0', paths: {} } as never), /unsupported OpenAPI version/)
  })
})

describe('OpenAPI request validation', () => {
  const doc = toOpenApi31({
    openapi: '3.0.3',
    info: { title: 'Users', version: '1' },
    paths: {
      '/users': {
        get: {
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } }],
          responses: {
            200: { description: 'ok', content: { 'application/json': { schema: { type: 'array' } } } },
          },
        },
        post: {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
          },
          responses: { 201: { description: 'created' } },
        },
      },
      '/users/{id}': {
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: { 200: { description: 'ok' } },
        },
      },
    },
    components: {
      schemas: {
        User: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } },
        },
      },
    },
  } as never).document
  const v = compileValidator(doc, '/users-svc')
  const req = (method: string, path: string, query = '', body?: unknown) => ({
    method,
    path,
    query: new URLSearchParams(query),
    headers: {},
    ...(body === undefined ? {} : { body }),
  })

  test('valid requests pass; parameters are coerced from strings', () => {
    assert.deepEqual(v.validateRequest(req('GET', '/users-svc/users', 'limit=5')), [])
    assert.deepEqual(v.validateRequest(req('GET', '/users-svc/users/42')), [])
    assert.deepEqual(v.validateRequest(req('POST', '/users-svc/users', '', { name: 'a' })), [])
    assert.equal(v.needsBody('POST', '/users-svc/users'), true)
    assert.equal(v.needsBody('GET', '/users-svc/users'), false)
  })

  test('each failure is listed', () => {
    assert.equal(v.validateRequest(req('GET', '/users-svc/users', 'limit=500'))[0]?.in, 'query')
    assert.equal(v.validateRequest(req('GET', '/users-svc/users/abc'))[0]?.in, 'path')
    const body = v.validateRequest(req('POST', '/users-svc/users', '', { email: 'not-an-email' }))
    assert.equal(body.length, 2, JSON.stringify(body))
    assert.deepEqual(
      v.validateRequest(req('POST', '/users-svc/users')).map((f) => f.message),
      ['request body is required'],
    )
    assert.equal(v.validateRequest(req('DELETE', '/users-svc/users'))[0]?.in, 'operation')
  })

  test('responses are checked against the declared schema', () => {
    assert.deepEqual(v.validateResponse('GET', '/users-svc/users', 200, 'application/json', []), [])
    assert.equal(
      v.validateResponse('GET', '/users-svc/users', 200, 'application/json', {})[0]?.in,
      'response',
    )
  })
})
