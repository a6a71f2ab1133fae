import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  dashboardUrl,
  decideNavigation,
  isPermissionGranted,
  isSafeExternalUrl,
  isTrustedSender,
} from './navigation.ts'

const dash = 'http://127.0.0.1:8080/gateway/'

test('dashboard URL: wildcard binds are reached through loopback', () => {
  assert.equal(dashboardUrl('http://127.0.0.1:8080'), dash)
  assert.equal(dashboardUrl('http://0.0.0.0:9000/'), 'http://127.0.0.1:9000/gateway/')
  assert.equal(dashboardUrl('http://[::]:9000'), 'http://[::1]:9000/gateway/')
})

test('navigation: dashboard stays, web links go to the browser, the rest is denied', () => {
  assert.equal(decideNavigation('http://127.0.0.1:8080/gateway/swagger/', dash), 'allow')
  assert.equal(decideNavigation('http://127.0.0.1:8080/api/products', dash), 'external')
  assert.equal(decideNavigation('https://github.com/', dash), 'external')
  assert.equal(decideNavigation('http://127.0.0.1:9999/gateway/', dash), 'external')
  assert.equal(decideNavigation('file:///etc/passwd', dash), 'deny')
  assert.equal(decideNavigation('javascript:alert(1)', dash), 'deny')
  assert.equal(decideNavigation('http://127.0.0.1:8080/gateway/', undefined), 'external')
})

test('external URLs: only http(s) and mailto', () => {
  assert.equal(isSafeExternalUrl('mailto:a@b.c'), true)
  assert.equal(isSafeExternalUrl('smb://host/share'), false)
  assert.equal(isSafeExternalUrl('not a url'), false)
})

test('IPC senders and permissions: only the dashboard', () => {
  assert.equal(isTrustedSender('http://127.0.0.1:8080/gateway/routes', dash), true)
  assert.equal(isTrustedSender('data:text/html,hi', dash), false)
  assert.equal(isTrustedSender(undefined, dash), false)
  assert.equal(isPermissionGranted('clipboard-sanitized-write', dash, dash), true)
  assert.equal(isPermissionGranted('geolocation', dash, dash), false)
  assert.equal(isPermissionGranted('clipboard-sanitized-write', 'https://evil.example/', dash), false)
})
