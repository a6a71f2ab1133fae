// The one IPC contract (Heroic style): channel name → signature. Type-only; no electron import, so the
// renderer can see it through src/main/preload/index.d.ts without pulling in Node or Electron types.

/** Desktop settings, as stored in `settings.json` in userData and as seen over IPC. */
export interface DesktopSettings {
  /** Address the gateway binds to; loopback unless admin credentials are configured. */
  host: string
  /** Port of the gateway (0 = any free port). */
  port: number
  /** Gateway config file (YAML/JSON); null = the embedded default. */
  configFile: string | null
  /** Where manual routes and other state persist; null = Electron's userData directory. */
  dataDir: string | null
  startAtLogin: boolean
  /** Native notification when an upstream turns unhealthy. */
  notifyUnhealthy: boolean
}

export type SettingsPatch = Partial<DesktopSettings>

export type SettingsResult =
  | { ok: true; settings: DesktopSettings; restarted: boolean }
  | { ok: false; error: string; field?: keyof DesktopSettings | undefined; settings: DesktopSettings }

/** renderer → main, request/response (`ipcRenderer.invoke` / `ipcMain.handle`). */
export interface IpcContract {
  'app:get-version': () => string
  /** Opens an http(s)/mailto link in the system browser; false when the URL is refused. */
  'shell:open-external': (url: string) => boolean
  'shell:reveal-data-dir': () => void
  'settings:get': () => DesktopSettings
  /** Validates, restarts the gateway in-process when needed, persists; rolls back if the restart fails. */
  'settings:set': (patch: SettingsPatch) => SettingsResult
}

export type IpcChannel = keyof IpcContract

export type IpcResult<K extends IpcChannel> = Awaited<ReturnType<IpcContract[K]>>

/** The renderer-side caller shape that the preload builds its bridge from. */
export type IpcInvoke = <K extends IpcChannel>(
  channel: K,
  ...args: Parameters<IpcContract[K]>
) => Promise<IpcResult<K>>
