import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTrayModel, type TrayItem } from './tray-model.ts'

const labels = (items: TrayItem[]) => items.map((i) => (i.kind === 'separator' ? '---' : i.label))
const action = (items: TrayItem[], name: string) =>
  items.find((i) => (i.kind === 'action' || i.kind === 'checkbox') && i.action === name)

test('running: port, route count, unhealthy upstreams; pause and copy enabled', () => {
  const model = buildTrayModel({
    phase: 'running',
    url: 'http://127.0.0.1:8080',
    port: 8080,
    stats: { totalRoutes: 3, healthyUpstreams: 4, totalUpstreams: 5 },
    notifyUnhealthy: true,
  })
  assert.deepEqual(labels(model.items).slice(0, 2), [
    'Running on port 8080',
    '3 routes · 1 unhealthy upstream',
  ])
  assert.equal(model.icon, 'attention')
  assert.match(model.tooltip, /port 8080/)
  assert.deepEqual(action(model.items, 'pause'), {
    kind: 'action',
    label: 'Pause gateway',
    action: 'pause',
    enabled: true,
  })
  assert.equal((action(model.items, 'copy-url') as { enabled: boolean }).enabled, true)
  assert.equal((action(model.items, 'toggle-notifications') as { checked: boolean }).checked, true)
  assert.ok(action(model.items, 'quit'))
})

test('all healthy: normal icon, singular route', () => {
  const model = buildTrayModel({
    phase: 'running',
    url: 'http://127.0.0.1:8080',
    port: 8080,
    stats: { totalRoutes: 1, healthyUpstreams: 2, totalUpstreams: 2 },
    notifyUnhealthy: false,
  })
  assert.equal(labels(model.items)[1], '1 route · all upstreams healthy')
  assert.equal(model.icon, 'normal')
})

test('paused: resume offered, copy disabled', () => {
  const model = buildTrayModel({ phase: 'stopped', notifyUnhealthy: true })
  assert.equal(labels(model.items)[0], 'Paused')
  assert.equal(model.icon, 'paused')
  assert.ok(action(model.items, 'resume'))
  assert.equal(action(model.items, 'pause'), undefined)
  assert.equal((action(model.items, 'copy-url') as { enabled: boolean }).enabled, false)
})

test('failed: the reason is shown and retry offered', () => {
  const model = buildTrayModel({ phase: 'failed', error: 'SP_ERR_SERVER_PORT_IN_USE', notifyUnhealthy: true })
  assert.deepEqual(labels(model.items).slice(0, 2), ['Not running', 'SP_ERR_SERVER_PORT_IN_USE'])
  assert.equal((action(model.items, 'resume') as { label: string }).label, 'Retry')
  assert.equal(model.icon, 'attention')
})

test('starting/stopping: pause disabled', () => {
  for (const phase of ['starting', 'stopping'] as const) {
    const model = buildTrayModel({ phase, notifyUnhealthy: true })
    assert.equal((action(model.items, 'pause') as { enabled: boolean }).enabled, false)
  }
})
