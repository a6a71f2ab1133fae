import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeLaunchFailure, pausedPage, suggestPort } from './launch-failure.ts'
import { ACTION_ORIGIN, escapeHtml, parsePageAction, renderStatusPage, toDataUrl } from './status-page.ts'

const options = { host: '127.0.0.1', port: 8080, dataDir: '/data' }

test('port in use: names the port, suggests another, offers a way out', () => {
  const model = describeLaunchFailure(
    { code: 'SP_ERR_SERVER_PORT_IN_USE', message: 'port 8080 is in use' },
    options,
  )
  assert.match(model.title, /Port 8080 is already in use/)
  assert.equal(model.portSuggestion, 8081)
  assert.deepEqual(
    model.buttons.map((b) => b.type),
    ['retry', 'quit'],
  )
})

test('broken config: shows the gateway message verbatim and offers to open the file', () => {
  const message = '/home/me/sp.yaml:12: routes[0].targets: must have at least 1 item'
  const model = describeLaunchFailure(
    { code: 'SP_ERR_CONFIG_INVALID', message },
    { ...options, configFile: '/home/me/sp.yaml' },
  )
  assert.equal(model.detail, message)
  assert.equal(model.buttons[0]?.type, 'open-config')
  assert.ok(model.buttons.some((b) => b.type === 'use-default-config'))
})

test('unknown errors still explain themselves', () => {
  const model = describeLaunchFailure({ code: 'SP_ERR_UNKNOWN', message: 'boom' }, options)
  assert.match(model.detail ?? '', /boom/)
  assert.ok(model.buttons.some((b) => b.type === 'quit'))
  assert.equal(suggestPort(80), 8080)
  assert.equal(suggestPort(65535), 8080)
})

test('the page escapes every dynamic value and has a strict CSP', () => {
  const html = renderStatusPage(
    {
      title: '<script>x</script>',
      lead: 'a & b',
      detail: '"quoted"',
      buttons: [{ type: 'quit', label: 'Quit' }],
    },
    'tok',
  )
  assert.ok(!html.includes('<script>'))
  assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt;'))
  assert.ok(html.includes('&quot;quoted&quot;'))
  assert.match(html, /Content-Security-Policy/)
  assert.match(html, /form-action https:\/\/sallyport\.invalid/)
  assert.equal(escapeHtml(`<'&">`), '&lt;&#39;&amp;&quot;&gt;')
  assert.ok(toDataUrl(html).startsWith('data:text/html;charset=utf-8,'))
})

test('page actions parse only with the page token', () => {
  const html = renderStatusPage(pausedPage('http://127.0.0.1:8080'), 'tok')
  assert.ok(html.includes(`${ACTION_ORIGIN}/tok/resume`))
  assert.deepEqual(parsePageAction(`${ACTION_ORIGIN}/tok/resume?`, 'tok'), { type: 'resume' })
  assert.deepEqual(parsePageAction(`${ACTION_ORIGIN}/tok/use-port?port=9000`, 'tok'), {
    type: 'use-port',
    port: 9000,
  })
  assert.equal(parsePageAction(`${ACTION_ORIGIN}/tok/use-port?port=99999`, 'tok'), undefined)
  assert.equal(parsePageAction(`${ACTION_ORIGIN}/other/quit`, 'tok'), undefined)
  assert.equal(parsePageAction(`${ACTION_ORIGIN}/tok/rm-rf`, 'tok'), undefined)
  assert.equal(parsePageAction('https://example.com/tok/quit', 'tok'), undefined)
  assert.equal(parsePageAction('::', 'tok'), undefined)
})
