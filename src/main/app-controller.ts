// The desktop app's behaviour without Electron: what the window shows, what the tray says, how settings
// restart the gateway, how quitting drains. index.ts binds it to Electron; tests bind it to fakes.
import { randomUUID } from 'node:crypto'
import type { GatewayHost, GatewayLaunchOptions, HostStatus } from './gateway-host.ts'
import { createHealthNotifier, type HealthNotifier } from './health-notifier.ts'
import type { DesktopSettings, SettingsResult } from './ipc/contract.ts'
import type { JsonStore } from './json-file.ts'
import { settingForError } from './launch-failure.ts'
import { dashboardUrl } from './navigation.ts'
import { checkSettingsPatch, mergeSettings, needsRestart } from './settings.ts'
import { type PageAction, parsePageAction } from './status-page.ts'
import { buildTrayModel, type TrayAction, type TrayModel } from './tray-model.ts'
import { viewFor, type WindowView } from './window-view.ts'

export type { WindowView }

/** The main window as the controller sees it (window.ts implements it over BrowserWindow). */
export interface ShellWindow {
  /** Creates the window if needed and loads the view (unless it already shows it). */
  show(view: WindowView, options?: { focus?: boolean }): void
  /** True while a window exists (it may be hidden or minimised). */
  readonly isOpen: boolean
  /** Saves bounds and destroys the window. Idempotent. */
  close(): Promise<void>
}

export interface TrayView {
  update(model: TrayModel): void
  close(): void
}

/** OS services, each one line over Electron's shell/clipboard/Notification/app. */
export interface DesktopServices {
  copyText(text: string): void
  openPath(path: string): Promise<void>
  revealPath(path: string): void
  notify(title: string, body: string): void
  setStartAtLogin(enabled: boolean): void
  /** Ends the process after the drain. */
  exit(): void
}

/** Settings given on the command line for this run only (not persisted). */
export type LaunchOverrides = Partial<Pick<DesktopSettings, 'host' | 'port' | 'configFile' | 'dataDir'>> & {
  /** `--no-discovery`: keep mDNS off for this run (tests, networks where multicast is unwelcome). */
  discovery?: boolean | undefined
}

export interface AppControllerDeps {
  host: GatewayHost
  settingsStore: JsonStore<DesktopSettings>
  window: ShellWindow
  tray?: TrayView | undefined
  desktop: DesktopServices
  /** Electron's userData directory: the default data dir. */
  defaultDataDir: string
  dashboardDir?: string | undefined
  overrides?: LaunchOverrides | undefined
  /** Launched at login: stay in the tray until asked for the window. */
  startHidden?: boolean | undefined
  /** How often the tray's route/upstream counts refresh while running. */
  statsIntervalMs?: number | undefined
  now?: (() => number) | undefined
}

export interface AppController {
  start(): Promise<void>
  /** Tray "open dashboard", second launch, dock click: show whatever the gateway state calls for. */
  openWindow(): void
  runTrayAction(action: TrayAction): Promise<void>
  /** A navigation to a status-page button (https://sallyport.invalid/…). */
  runPageAction(url: string): Promise<void>
  getSettings(): DesktopSettings
  setSettings(patch: unknown): Promise<SettingsResult>
  revealDataDir(): void
  readonly status: HostStatus
  /** The dashboard URL while running, for the navigation guard and IPC sender checks. */
  readonly dashboardUrl: string | undefined
  readonly trayModel: TrayModel
  /** Drains the gateway, closes everything, then exits. Idempotent. */
  quit(): Promise<void>
  /** Drains and closes everything without exiting. Idempotent. */
  close(): Promise<void>
}

export function createAppController(deps: AppControllerDeps): AppController {
  const { host, window, desktop } = deps
  // Status-page buttons carry this token, so no other page can trigger them.
  const token = randomUUID()
  const overrides: LaunchOverrides = { ...deps.overrides }
  let settings: DesktopSettings | undefined
  let notifier: HealthNotifier | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let trayModel: TrayModel | undefined
  let trayKey = ''
  let lastUrl: string | undefined
  let closing: Promise<void> | undefined
  let quitting: Promise<void> | undefined

  const current = (): DesktopSettings => {
    if (!settings) throw new Error('app controller not started')
    return settings
  }

  const launchOptions = (s: DesktopSettings = current()): GatewayLaunchOptions => {
    const merged = { ...s, ...overrides }
    return {
      host: merged.host,
      port: merged.port,
      configFile: merged.configFile ?? undefined,
      dataDir: merged.dataDir ?? deps.defaultDataDir,
      dashboardDir: deps.dashboardDir,
      discovery: overrides.discovery,
    }
  }

  const runningUrl = (): string | undefined => {
    const status = host.status
    return status.phase === 'running' ? dashboardUrl(status.url) : undefined
  }

  const view = (): WindowView => viewFor(host.status, token, lastUrl)

  const refreshTray = (): void => {
    const status = host.status
    const url = runningUrl()
    const model = buildTrayModel({
      phase: status.phase,
      url: url === undefined ? undefined : new URL(url).origin,
      port: status.phase === 'running' ? status.port : undefined,
      stats: host.stats(),
      error: status.phase === 'failed' ? status.error.code : undefined,
      notifyUnhealthy: settings?.notifyUnhealthy ?? true,
    })
    trayModel = model
    const key = JSON.stringify(model)
    if (key === trayKey) return
    trayKey = key
    deps.tray?.update(model)
  }

  const refreshWindow = (focus: boolean): void => {
    if (focus || window.isOpen) window.show(view(), { focus })
  }

  const onStatus = (): void => {
    const url = runningUrl()
    if (url !== undefined) lastUrl = url
    refreshTray()
  }

  const startGateway = async (options: GatewayLaunchOptions = launchOptions()): Promise<HostStatus> => {
    const status = await host.start(options)
    refreshWindow(false)
    return status
  }

  const persist = async (next: DesktopSettings): Promise<void> => {
    const before = settings
    settings = next
    if (before?.startAtLogin !== next.startAtLogin) desktop.setStartAtLogin(next.startAtLogin)
    await deps.settingsStore.save(next)
    refreshTray()
  }

  // One settings change at a time: each one starts from the settings the previous one left.
  let settingsQueue: Promise<unknown> = Promise.resolve()
  const setSettings = (patch: unknown): Promise<SettingsResult> => {
    const run = settingsQueue.then(() => applySettings(patch))
    settingsQueue = run.catch(() => {})
    return run
  }

  const applySettings = async (patch: unknown): Promise<SettingsResult> => {
    const before = current()
    const checked = checkSettingsPatch(patch)
    if (!checked.ok) return { ok: false, error: checked.error, field: checked.field, settings: before }
    const next = mergeSettings(before, checked.patch)
    const beforeOptions = launchOptions(before)
    const wasRunning = host.status.phase === 'running'
    // An explicit change replaces the command-line value for that field.
    const droppedOverrides: LaunchOverrides = {}
    for (const key of Object.keys(checked.patch) as (keyof DesktopSettings & keyof LaunchOverrides)[]) {
      if (key in overrides) {
        Object.assign(droppedOverrides, { [key]: overrides[key] })
        delete overrides[key]
      }
    }
    const nextOptions = launchOptions(next)
    let restarted = false
    // While paused, new settings wait for "resume" instead of starting the gateway behind the user's back.
    const paused = host.status.phase === 'stopped'
    const changed =
      needsRestart(before, next) || JSON.stringify(beforeOptions) !== JSON.stringify(nextOptions)
    if (changed && !paused) {
      const status = await host.restart(nextOptions)
      if (status.phase !== 'running') {
        Object.assign(overrides, droppedOverrides)
        // Put back what worked, so a bad port typed in settings does not take the gateway down.
        if (wasRunning) await host.restart(beforeOptions)
        refreshWindow(false)
        return {
          ok: false,
          error: status.phase === 'failed' ? status.error.message : 'gateway did not start',
          field: status.phase === 'failed' ? settingForError(status.error.code) : undefined,
          settings: before,
        }
      }
      restarted = true
    }
    await persist(next)
    if (restarted) refreshWindow(false)
    return { ok: true, settings: next, restarted }
  }

  const revealDataDir = (): void => {
    desktop.revealPath(launchOptions().dataDir)
  }

  const runPage = async (action: PageAction): Promise<void> => {
    const status = host.status
    switch (action.type) {
      case 'retry':
        await startGateway(status.phase === 'failed' ? status.options : launchOptions())
        return
      case 'resume':
        await startGateway()
        return
      case 'use-port':
        // A failed attempt leaves the failure page up, now explaining the port just tried.
        await setSettings({ port: action.port })
        return
      case 'open-config': {
        const file = launchOptions().configFile
        if (file !== undefined) await desktop.openPath(file)
        return
      }
      case 'use-default-config':
        await setSettings({ configFile: null })
        return
      case 'reveal-data-dir':
        revealDataDir()
        return
      case 'quit':
        await quit()
        return
    }
  }

  const openWindow = (): void => {
    if (!closing) window.show(view(), { focus: true })
  }

  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      host.events.removeEventListener('status', onStatus)
      host.events.removeEventListener('upstream-health', refreshTray)
      notifier?.close()
      await window.close()
      // Reverse of start: the gateway drains after the window is gone, the tray goes last.
      await host.close()
      deps.tray?.close()
      await deps.settingsStore.close()
    })()
    return closing
  }

  const quit = (): Promise<void> => {
    quitting ??= close().finally(() => desktop.exit())
    return quitting
  }

  return {
    async start() {
      settings = await deps.settingsStore.load()
      host.events.addEventListener('status', onStatus)
      host.events.addEventListener('upstream-health', refreshTray)
      notifier = createHealthNotifier({
        events: host.events,
        notify: (title, body) => desktop.notify(title, body),
        enabled: () => settings?.notifyUnhealthy ?? false,
        now: deps.now,
      })
      refreshTray()
      // Re-registering keeps the login item pointing at this copy of the app if it was moved.
      if (settings.startAtLogin) desktop.setStartAtLogin(true)
      await host.start(launchOptions())
      if (closing) return
      // A failure is shown even when hidden: a login launch must not fail silently.
      if (!deps.startHidden || host.status.phase === 'failed') window.show(view(), { focus: true })
      timer = setInterval(refreshTray, deps.statsIntervalMs ?? 2000)
    },
    openWindow,
    async runTrayAction(action) {
      switch (action) {
        case 'open-dashboard':
          openWindow()
          return
        case 'copy-url': {
          const url = runningUrl()
          if (url !== undefined) desktop.copyText(new URL(url).origin)
          return
        }
        case 'pause':
          await host.stop()
          refreshWindow(false)
          return
        case 'resume':
          await startGateway(host.status.phase === 'failed' ? host.status.options : launchOptions())
          return
        case 'toggle-notifications':
          await setSettings({ notifyUnhealthy: !current().notifyUnhealthy })
          return
        case 'reveal-data-dir':
          revealDataDir()
          return
        case 'quit':
          await quit()
          return
      }
    },
    async runPageAction(url) {
      const action = parsePageAction(url, token)
      if (action) await runPage(action)
    },
    getSettings: () => ({ ...current() }),
    setSettings,
    revealDataDir,
    get status() {
      return host.status
    },
    get dashboardUrl() {
      return runningUrl()
    },
    get trayModel() {
      if (!trayModel) refreshTray()
      return trayModel as TrayModel
    },
    quit,
    close,
  }
}
