import assert from 'node:assert/strict'
import { test } from 'node:test'
import { listenAddressOf, startCommandFor } from './background-gateway.ts'
import { createGatewayClient } from './gateway-client.ts'

test('a background gateway listens where --gateway points, loopback only', () => {
  assert.deepEqual(listenAddressOf('http://127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 })
  assert.deepEqual(listenAddressOf('http://localhost:9000'), { host: '127.0.0.1', port: 9000 })
  assert.deepEqual(listenAddressOf('http://[::1]'), { host: '::1', port: 80 })
  assert.equal(listenAddressOf('http://192.168.1.5:8080'), undefined)
  assert.equal(listenAddressOf('http://example.test:8080'), undefined)
  assert.equal(
    startCommandFor('http://localhost:9000', '/data'),
    'npx sallyport --host 127.0.0.1 --port 9000 --data-dir /data',
  )
})

test('the admin API is at /gateway unless the URL names another base', () => {
  assert.equal(createGatewayClient('http://127.0.0.1:8080').adminUrl, 'http://127.0.0.1:8080/gateway')
  assert.equal(createGatewayClient('http://127.0.0.1:8080/').adminUrl, 'http://127.0.0.1:8080/gateway')
  assert.equal(createGatewayClient('http://127.0.0.1:8080/admin/').adminUrl, 'http://127.0.0.1:8080/admin')
  assert.equal(createGatewayClient('http://127.0.0.1:8080/admin').origin, 'http://127.0.0.1:8080')
})
