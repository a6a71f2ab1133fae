// Contract drift as a user meets it: a service changes its OpenAPI document while the gateway watches;
// GET /gateway/api/openapi/services says what changed and what breaks clients, and live response
// validation counts violations per operation.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createGateway, type Gateway } from '../../src/gateway/index.ts'
import { type FakeService, type Json, startFakeService, usersOpenApi } from '../discovery/fixture.ts'

let users: FakeService
let gw: Gateway
let url: string

const services = async () =>
  Object.fromEntries(
    ((await (await fetch(`${url}/gateway/api/openapi/services`)).json()) as Json[]).map((s) => [
      s.service,
      s,
    ]),
  )
const refresh = () => fetch(`${url}/gateway/api/openapi/refresh`, { method: 'POST' })

before(async () => {
  users = await startFakeService('users')
  gw = await createGateway({
    port: 0,
    discovery: false,
    config: {
      routes: [
        {
          path: '/users-svc/*',
          stripPrefix: true,
          serviceName: 'users',
          targets: [{ url: users.url }],
          metadata: { openapi: '/openapi.json', openapiValidate: 'response' },
        },
      ],
    },
  })
  url = (await gw.listen()).url
  await refresh()
})
after(async () => {
  await gw.close()
  await users.close()
})

test('a first document is no drift; the next version lists operations added and removed and what breaks', async () => {
  assert.equal((await services()).users.contractChanges, undefined)
  const next = structuredClone(usersOpenApi) as Json
  next.info.version = '1.3.0'
  delete next.paths['/users'].post
  next.paths['/users'].get.parameters.push({
    name: 'tenant',
    in: 'query',
    required: true,
    schema: { type: 'string' },
  })
  next.paths['/users/{id}/roles'] = { get: { responses: { 200: { description: 'ok' } } } }
  next.paths['/users/{id}'].get.responses[200].content = {
    'application/json': { schema: { $ref: '#/components/schemas/User' } },
  }
  users.openapi = next
  await refresh()
  const [record, ...older] = (await services()).users.contractChanges
  assert.equal(older.length, 0)
  assert.equal(record.fromVersion, '1.2.0')
  assert.equal(record.toVersion, '1.3.0')
  assert.equal(record.added, 1)
  assert.equal(record.removed, 1)
  assert.equal(record.changed, 2)
  assert.equal(record.breaking, 2)
  assert.equal(record.truncated, false)
  assert.deepEqual(
    record.changes.map((c: Json) => [c.operation, c.detail, c.breaking]),
    [
      ['POST /users', 'POST /users removed', true],
      ['GET /users/{id}/roles', 'GET /users/{id}/roles added', false],
      ['GET /users', 'query parameter tenant added (required)', true],
      ['GET /users/{id}', 'response 200 body schema added', false],
    ],
  )
  assert.ok(!Number.isNaN(Date.parse(record.at)))
  // The same bytes again are no new version.
  await refresh()
  assert.equal((await services()).users.contractChanges.length, 1)
})

test('live response validation counts violations per operation, with the last failure', async () => {
  // The fake service answers {service, method, path}: no `name`, which the document now requires.
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${url}/users-svc/users/${i}`)).status, 200)
  assert.equal((await fetch(`${url}/users-svc/users`)).status, 200) // no response schema: nothing to violate
  const view = (await services()).users
  assert.equal(view.contractViolations, 3)
  assert.equal(view.violationsByOperation.length, 1)
  const [op] = view.violationsByOperation
  assert.equal(op.operation, 'GET /users/{id}')
  assert.equal(op.count, 3)
  assert.match(op.lastMessage, /name/)
})
