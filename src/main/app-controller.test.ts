import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAppController, type ShellWindow, type WindowView } from './app-controller.ts'
import { createGatewayHost, type GatewayLaunchOptions, type StartGateway } from './gateway-host.ts'
import type { DesktopSettings } from './ipc/contract.ts'
import type { JsonStore } from './json-file.ts'
import { DEFAULT_SETTINGS } from './settings.ts'
import { ACTION_ORIGIN } from './status-page.ts'
import type { TrayModel } from './tray-model.ts'

function fixture(
  opts: {
    taken?: number[]
    stored?: Partial<DesktopSettings>
    overrides?: { port?: number }
    hidden?: boolean
  } = {},
) {
  const log: string[] = []
  const taken = new Set(opts.taken ?? [])
  const events: EventTarget[] = []
  const launches: GatewayLaunchOptions[] = []
  const startGateway: StartGateway = async (options) => {
    launches.push(options)
    if (options.configFile !== undefined) {
      throw Object.assign(new Error(`${options.configFile}:3: routes[0].path: must start with "/"`), {
        code: 'SP_ERR_CONFIG_INVALID',
      })
    }
    if (taken.has(options.port)) {
      throw Object.assign(new Error(`port ${options.port} on ${options.host} is already in use`), {
        code: 'SP_ERR_SERVER_PORT_IN_USE',
      })
    }
    const ev = new EventTarget()
    events.push(ev)
    log.push(`gateway:start:${options.port}`)
    return {
      url: `http://127.0.0.1:${options.port}`,
      host: '127.0.0.1',
      port: options.port,
      events: ev,
      stats: () => ({ totalRoutes: 3, healthyUpstreams: 2, totalUpstreams: 2 }),
      close: async () => {
        log.push(`gateway:close:${options.port}`)
      },
    }
  }
  let saved: DesktopSettings | undefined
  const settingsStore: JsonStore<DesktopSettings> = {
    load: async () => ({ ...DEFAULT_SETTINGS, ...opts.stored }),
    save: async (s) => {
      saved = s
    },
    close: async () => {
      log.push('settings:close')
    },
  }
  const views: WindowView[] = []
  let open = false
  const window: ShellWindow = {
    show(view) {
      open = true
      views.push(view)
    },
    get isOpen() {
      return open
    },
    async close() {
      open = false
      log.push('window:close')
    },
  }
  const trays: TrayModel[] = []
  const desktop = {
    copied: [] as string[],
    opened: [] as string[],
    revealed: [] as string[],
    notes: [] as string[],
    login: [] as boolean[],
    exited: 0,
  }
  const controller = createAppController({
    host: createGatewayHost({ startGateway }),
    settingsStore,
    window,
    tray: {
      update: (m) => trays.push(m),
      close: () => log.push('tray:close'),
    },
    desktop: {
      copyText: (t) => desktop.copied.push(t),
      openPath: async (p) => {
        desktop.opened.push(p)
      },
      revealPath: (p) => desktop.revealed.push(p),
      notify: (_t, b) => desktop.notes.push(b),
      setStartAtLogin: (on) => desktop.login.push(on),
      exit: () => {
        desktop.exited++
      },
    },
    defaultDataDir: '/user-data',
    overrides: opts.overrides,
    startHidden: opts.hidden,
    statsIntervalMs: 60_000,
  })
  const lastView = () => views.at(-1)
  const actionUrl = (view: WindowView | undefined, action: string) => {
    assert.equal(view?.kind, 'page')
    const html = view?.kind === 'page' ? view.html : ''
    const match = html.match(new RegExp(`${ACTION_ORIGIN}/([^/"]+)/${action}`))
    assert.ok(match, `page offers ${action}`)
    return match[0]
  }
  return {
    controller,
    log,
    views,
    lastView,
    trays,
    desktop,
    launches,
    events,
    taken,
    actionUrl,
    saved: () => saved,
  }
}

test('launch: the gateway starts and the window shows the dashboard; the tray shows the status', async () => {
  const f = fixture()
  await f.controller.start()
  assert.deepEqual(f.lastView(), { kind: 'dashboard', url: 'http://127.0.0.1:8080/gateway/' })
  assert.equal(f.controller.dashboardUrl, 'http://127.0.0.1:8080/gateway/')
  assert.equal(f.launches[0]?.dataDir, '/user-data')
  const tray = f.trays.at(-1)
  assert.ok(tray?.items.some((i) => i.kind === 'status' && i.label === 'Running on port 8080'))
  await f.controller.quit()
})

test('launch failure (port taken): a page with the reason; "use this port" restarts and persists', async () => {
  const f = fixture({ taken: [8080] })
  await f.controller.start()
  const view = f.lastView()
  assert.equal(view?.kind, 'page')
  assert.match(view?.kind === 'page' ? view.html : '', /Port 8080 is already in use/)
  assert.equal(f.controller.trayModel.icon, 'attention')

  await f.controller.runPageAction(`${f.actionUrl(view, 'use-port')}?port=8081`)
  assert.deepEqual(f.lastView(), { kind: 'dashboard', url: 'http://127.0.0.1:8081/gateway/' })
  assert.equal(f.saved()?.port, 8081)
  await f.controller.quit()
})

test('a port that is also taken keeps the failure page, now about that port', async () => {
  const f = fixture({ taken: [8080, 8081] })
  await f.controller.start()
  await f.controller.runPageAction(`${f.actionUrl(f.lastView(), 'use-port')}?port=8081`)
  const view = f.lastView()
  assert.match(view?.kind === 'page' ? view.html : '', /Port 8081 is already in use/)
  assert.equal(f.saved(), undefined)
  f.taken.clear()
  await f.controller.runPageAction(f.actionUrl(view, 'retry'))
  assert.equal(f.lastView()?.kind, 'dashboard')
  await f.controller.quit()
})

test('broken config: the page names file and line, opens the file, or starts on the default config', async () => {
  const f = fixture({ stored: { configFile: '/cfg/sp.yaml' } })
  await f.controller.start()
  const view = f.lastView()
  assert.match(view?.kind === 'page' ? view.html : '', /\/cfg\/sp\.yaml:3: routes\[0\]\.path/)
  await f.controller.runPageAction(`${ACTION_ORIGIN}/forged/quit`)
  assert.equal(f.desktop.exited, 0)
  await f.controller.runPageAction(f.actionUrl(view, 'open-config'))
  assert.deepEqual(f.desktop.opened, ['/cfg/sp.yaml'])
  await f.controller.runPageAction(f.actionUrl(view, 'use-default-config'))
  assert.equal(f.lastView()?.kind, 'dashboard')
  assert.equal(f.saved()?.configFile, null)
  await f.controller.runTrayAction('pause')
  await f.controller.runPageAction(f.actionUrl(f.lastView(), 'quit'))
  assert.equal(f.desktop.exited, 1)
})

test('settings: a restart applies them; a failing port rolls back and names the field', async () => {
  const f = fixture()
  await f.controller.start()
  const ok = await f.controller.setSettings({ port: 9000, startAtLogin: true })
  assert.deepEqual(ok, {
    ok: true,
    restarted: true,
    settings: { ...DEFAULT_SETTINGS, port: 9000, startAtLogin: true },
  })
  assert.deepEqual(f.desktop.login, [true])
  assert.deepEqual(f.lastView(), { kind: 'dashboard', url: 'http://127.0.0.1:9000/gateway/' })

  f.taken.add(9001)
  const bad = await f.controller.setSettings({ port: 9001 })
  assert.equal(bad.ok, false)
  if (!bad.ok) {
    assert.equal(bad.field, 'port')
    assert.match(bad.error, /9001/)
    assert.equal(bad.settings.port, 9000)
  }
  assert.equal(f.controller.status.phase === 'running' && f.controller.status.port, 9000)

  const invalid = await f.controller.setSettings({ port: -1 })
  assert.equal(invalid.ok, false)
  const quiet = await f.controller.setSettings({ notifyUnhealthy: false })
  assert.deepEqual(quiet.ok && quiet.restarted, false)
  assert.deepEqual(f.controller.getSettings().notifyUnhealthy, false)
  await f.controller.quit()
})

test('command-line overrides apply until that setting is changed', async () => {
  const f = fixture({ overrides: { port: 7000 } })
  await f.controller.start()
  assert.equal(f.launches.at(-1)?.port, 7000)
  await f.controller.setSettings({ host: 'localhost' })
  assert.equal(f.launches.at(-1)?.port, 7000)
  await f.controller.setSettings({ port: 7100 })
  assert.equal(f.launches.at(-1)?.port, 7100)
  await f.controller.quit()
})

test('tray: pause shows a paused page, resume brings the dashboard back, copy URL copies the origin', async () => {
  const f = fixture()
  await f.controller.start()
  await f.controller.runTrayAction('copy-url')
  assert.deepEqual(f.desktop.copied, ['http://127.0.0.1:8080'])
  await f.controller.runTrayAction('pause')
  assert.equal(f.controller.status.phase, 'stopped')
  assert.match(f.lastView()?.kind === 'page' ? (f.lastView() as { html: string }).html : '', /paused/)
  assert.equal(f.controller.trayModel.icon, 'paused')
  await f.controller.runPageAction(f.actionUrl(f.lastView(), 'resume'))
  assert.equal(f.lastView()?.kind, 'dashboard')
  await f.controller.runTrayAction('pause')
  await f.controller.runTrayAction('resume')
  assert.equal(f.controller.status.phase, 'running')
  await f.controller.runTrayAction('reveal-data-dir')
  assert.deepEqual(f.desktop.revealed, ['/user-data'])
  await f.controller.runTrayAction('toggle-notifications')
  assert.equal(f.controller.getSettings().notifyUnhealthy, false)
  await f.controller.quit()
})

test('unhealthy upstreams notify (unless turned off) across restarts', async () => {
  const f = fixture()
  await f.controller.start()
  const emit = (id: string) =>
    f.events
      .at(-1)
      ?.dispatchEvent(
        new CustomEvent('upstream-health', { detail: { targetId: id, url: `http://${id}`, healthy: false } }),
      )
  emit('a')
  assert.equal(f.desktop.notes.length, 1)
  await f.controller.setSettings({ port: 8090 })
  await f.controller.setSettings({ notifyUnhealthy: false })
  emit('b')
  assert.equal(f.desktop.notes.length, 1)
  await f.controller.quit()
})

test('quit drains in order (window, gateway, tray, settings), once, then exits', async () => {
  const f = fixture()
  await f.controller.start()
  await Promise.all([f.controller.quit(), f.controller.quit()])
  await f.controller.close()
  assert.deepEqual(f.log, [
    'gateway:start:8080',
    'window:close',
    'gateway:close:8080',
    'tray:close',
    'settings:close',
  ])
  assert.equal(f.desktop.exited, 1)
})

test('a login launch stays in the tray, unless the gateway failed; login items are refreshed', async () => {
  const f = fixture({ hidden: true, stored: { startAtLogin: true } })
  await f.controller.start()
  assert.equal(f.views.length, 0)
  assert.deepEqual(f.desktop.login, [true])
  f.controller.openWindow()
  assert.equal(f.lastView()?.kind, 'dashboard')
  await f.controller.quit()

  const failed = fixture({ hidden: true, taken: [8080] })
  await failed.controller.start()
  assert.equal(failed.lastView()?.kind, 'page')
  await failed.controller.quit()
})

test('settings changed while paused are kept for resume; concurrent changes apply in order', async () => {
  const f = fixture()
  await f.controller.start()
  await f.controller.runTrayAction('pause')
  const result = await f.controller.setSettings({ port: 9100 })
  assert.deepEqual(result.ok && result.restarted, false)
  assert.equal(f.controller.status.phase, 'stopped')
  await f.controller.runTrayAction('resume')
  assert.equal(f.launches.at(-1)?.port, 9100)

  const [a, b] = await Promise.all([
    f.controller.setSettings({ port: 9200 }),
    f.controller.setSettings({ host: 'localhost' }),
  ])
  assert.ok(a.ok && b.ok)
  assert.deepEqual(
    { port: f.controller.getSettings().port, host: f.controller.getSettings().host },
    { port: 9200, host: 'localhost' },
  )
  await f.controller.quit()
})
