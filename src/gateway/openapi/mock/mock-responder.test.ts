import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MockRequest, MockResult } from '../../policies/mock-answer.ts'
import type { OpenApiDocument } from '../fetch-document.ts'
import { compileMockDocument } from './mock-responder.ts'

const Pet = {
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    name: { type: 'string', minLength: 1 },
    born: { type: 'string', format: 'date' },
  },
}

const doc = {
  openapi: '3.1.0',
  info: { title: 'pets', version: '1' },
  servers: [{ url: 'http://pets.test/v1' }],
  components: {
    schemas: {
      Pet,
      Error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
    },
    examples: { dog: { value: { id: 2, name: 'Spot' } } },
  },
  paths: {
    '/pets': {
      get: {
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 50 } }],
        responses: {
          '200': {
            description: 'pets',
            headers: {
              'X-Total': { schema: { type: 'integer', minimum: 0 } },
              'Bad Name': { example: 'x' },
              Connection: { example: 'close' },
              'X-Motto': { example: 'Grüße' },
            },
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Pet' } } },
            },
          },
        },
      },
      post: {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
        },
        responses: {
          '201': {
            description: 'made',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
          },
          '422': {
            description: 'bad',
            content: { 'application/json': { example: { message: 'invalid pet' } } },
          },
        },
      },
    },
    '/pets/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: {
        responses: {
          '404': {
            description: 'none',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
          '200': {
            description: 'a pet',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Pet' },
                examples: {
                  cat: { value: { id: 1, name: 'Fluffy' } },
                  dog: { $ref: '#/components/examples/dog' },
                },
              },
              'text/plain': { example: 'Fluffy the cat' },
            },
          },
        },
      },
      delete: { responses: { '204': { description: 'gone' } } },
    },
    '/users/me': {
      get: {
        responses: {
          '200': { description: 'me', content: { 'application/json': { example: { me: true } } } },
        },
      },
    },
    '/users/{id}': {
      get: {
        responses: {
          '200': { description: 'one', content: { 'application/json': { example: { me: false } } } },
        },
      },
    },
    '/broken': {
      get: {
        responses: {
          '200': {
            description: 'wrong example',
            content: { 'application/json': { schema: Pet, example: { id: 'x' } } },
          },
        },
      },
    },
    '/plain': {
      get: {
        responses: {
          default: { description: 'any', content: { 'application/json': { schema: { type: 'boolean' } } } },
        },
      },
    },
  },
} as unknown as OpenApiDocument

const mock = compileMockDocument(doc, 'pets')

function ask(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: unknown,
  seed = 1,
): MockResult {
  const [path = '', query = ''] = url.split('?')
  const req: MockRequest = {
    method,
    path,
    query: new URLSearchParams(query),
    headers,
    body,
    bodyRead: body !== undefined,
    seed,
  }
  return mock.answer(req)
}

function answered(r: MockResult) {
  if (r.kind !== 'answer') throw new Error(`expected an answer, got ${JSON.stringify(r)}`)
  const text = r.body.toString()
  return { ...r, text, json: () => JSON.parse(text) as unknown }
}

test('the lowest 2xx answers with its first example, marked as a mock', () => {
  const r = answered(ask('GET', '/pets/1'))
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'application/json')
  assert.equal(r.headers['x-sallyport-mock'], 'true')
  assert.equal(r.headers['content-length'], String(r.body.length))
  assert.deepEqual(r.json(), { id: 1, name: 'Fluffy' })
  assert.equal(r.headers['x-sallyport-mock-violations'], undefined)
})

test('Prefer: example=<name> picks a named example (a $ref to components too); an unknown one is a 500 problem', () => {
  assert.deepEqual(answered(ask('GET', '/pets/1', { prefer: 'example=dog' })).json(), { id: 2, name: 'Spot' })
  const r = ask('GET', '/pets/1', { prefer: 'example=fish' })
  assert.equal(r.kind, 'problem')
  assert.equal(r.kind === 'problem' && r.problem, 'mock-failed')
  assert.match(r.kind === 'problem' ? r.detail : '', /no example 'fish' \(it has: cat, dog\)/)
})

test('Prefer: code=404 answers that response, generated from its schema; an undeclared code is a problem', () => {
  const r = answered(ask('GET', '/pets/1', { prefer: 'code=404' }))
  assert.equal(r.status, 404)
  assert.equal(typeof (r.json() as { message: unknown }).message, 'string')
  const none = ask('GET', '/pets/1', { prefer: 'code=418' })
  assert.equal(none.kind === 'problem' && none.problem, 'mock-failed')
  assert.match(none.kind === 'problem' ? none.detail : '', /declares no response 418 \(it has: 200, 404\)/)
})

test('Accept picks the media type; nothing acceptable is a 406 problem naming what there is', () => {
  const r = answered(ask('GET', '/pets/1', { accept: 'text/plain' }))
  assert.equal(r.headers['content-type'], 'text/plain')
  assert.equal(r.text, 'Fluffy the cat')
  const no = ask('GET', '/pets/1', { accept: 'image/png' })
  assert.equal(no.kind === 'problem' && no.problem, 'not-acceptable')
  assert.match(no.kind === 'problem' ? no.detail : '', /application\/json, text\/plain/)
})

test('without examples the body is generated from the schema: valid, and the same for the same request', () => {
  const a = answered(ask('GET', '/pets?limit=5'))
  const b = answered(ask('GET', '/pets?limit=5'))
  assert.equal(a.text, b.text)
  assert.ok(Array.isArray(a.json()) && (a.json() as unknown[]).length > 0)
  assert.equal(a.headers['x-sallyport-mock-violations'], undefined)
  assert.match(a.headers['x-total'] ?? '', /^\d+$/, 'declared headers are answered too')
  assert.equal(a.headers['x-motto'], 'Gr??e', 'a field value is kept sendable')
  assert.equal(a.headers['bad name'], undefined, 'a name that is no token is left out')
  assert.equal(a.headers.connection, undefined, 'connection fields are not declared by a document')
  assert.notEqual(answered(ask('GET', '/pets?limit=5', {}, undefined, 99)).text, a.text, 'another seed')
  assert.notEqual(answered(ask('GET', '/pets?limit=6')).text, a.text, 'another request')
})

test('Prefer: dynamic=true generates even where examples exist, still valid', () => {
  for (let i = 0; i < 10; i++) {
    const r = answered(ask('GET', '/pets/1', { prefer: 'dynamic=true' }))
    assert.equal(r.headers['x-sallyport-mock-violations'], undefined, r.text)
    assert.notDeepEqual(r.json(), { id: 1, name: 'Fluffy' })
  }
})

test('an operation the document does not declare is a 404 problem naming it', () => {
  const r = ask('GET', '/nope')
  assert.equal(r.kind === 'problem' && r.problem, 'operation-not-found')
  assert.equal(r.kind === 'problem' && r.detail, "no operation GET /nope in pets's document")
  assert.equal(ask('PUT', '/pets/1').kind, 'problem')
})

test("the request is validated first: the operation's 422 when it declares one, else a validation problem", () => {
  const bad = answered(ask('POST', '/pets', { 'content-type': 'application/json' }, { id: 0 }))
  assert.equal(bad.status, 422)
  assert.deepEqual(bad.json(), { message: 'invalid pet' })
  const good = answered(ask('POST', '/pets', { 'content-type': 'application/json' }, { id: 3, name: 'Rex' }))
  assert.equal(good.status, 201)
  const param = ask('GET', '/pets/abc')
  assert.equal(param.kind === 'problem' && param.problem, 'validation-failed')
  const limit = ask('GET', '/pets?limit=500')
  assert.equal(limit.kind === 'problem' && limit.problem, 'validation-failed')
})

test('a body that was not read (a fallback streamed it) is not held against the request', () => {
  assert.equal(answered(ask('POST', '/pets')).status, 201)
})

test('no content: the status alone; the server base path and literal paths are matched', () => {
  const gone = answered(ask('DELETE', '/pets/7'))
  assert.equal(gone.status, 204)
  assert.equal(gone.body.length, 0)
  assert.equal(gone.headers['content-length'], undefined, 'a 204 has no Content-Length')
  assert.deepEqual(answered(ask('GET', '/v1/pets/1')).json(), { id: 1, name: 'Fluffy' })
  assert.deepEqual(answered(ask('GET', '/users/me')).json(), { me: true })
  assert.deepEqual(answered(ask('GET', '/users/7')).json(), { me: false })
  assert.equal(answered(ask('GET', '/plain')).status, 200, 'only a default response: 200')
  assert.equal(answered(ask('HEAD', '/pets/1')).status, 200, 'HEAD as GET')
})

test('an example that breaks its own schema is still answered, with the violation named', () => {
  const r = answered(ask('GET', '/broken'))
  assert.deepEqual(r.json(), { id: 'x' })
  assert.match(
    r.headers['x-sallyport-mock-violations'] ?? '',
    /must have required property 'name'|must be integer/,
  )
})

test('needsBody: only an operation with a JSON request body asks for it', () => {
  assert.equal(mock.needsBody('POST', '/pets'), true)
  assert.equal(mock.needsBody('GET', '/pets'), false)
  assert.equal(mock.needsBody('POST', '/nope'), false)
})
