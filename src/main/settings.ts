import { isAbsolute } from 'node:path'
import type { DesktopSettings, SettingsPatch } from './ipc/contract.ts'

export const DEFAULT_SETTINGS: Readonly<DesktopSettings> = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  configFile: null,
  dataDir: null,
  startAtLogin: false,
  notifyUnhealthy: true,
})

export type PatchCheck =
  | { ok: true; patch: SettingsPatch }
  | { ok: false; error: string; field?: keyof DesktopSettings | undefined }

// Hostname, IPv4 or IPv6 literal; the gateway itself decides whether binding there is allowed.
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkPath(value: unknown, field: 'configFile' | 'dataDir'): PatchCheck | string | null {
  if (value === null) return null
  if (typeof value !== 'string' || value.trim() === '')
    return { ok: false, field, error: `${field} must be a path or null` }
  if (!isAbsolute(value)) return { ok: false, field, error: `${field} must be an absolute path` }
  return value
}

/** Validates an untrusted patch (it comes over IPC from the renderer): unknown keys and wrong types are refused. */
export function checkSettingsPatch(input: unknown): PatchCheck {
  if (!isRecord(input)) return { ok: false, error: 'settings must be an object' }
  const patch: SettingsPatch = {}
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'host':
        if (typeof value !== 'string' || value.length > 253 || !HOST_RE.test(value)) {
          return { ok: false, field: 'host', error: 'host must be a hostname or an IP address' }
        }
        patch.host = value
        break
      case 'port':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
          return { ok: false, field: 'port', error: 'port must be an integer from 0 to 65535' }
        }
        patch.port = value
        break
      case 'configFile':
      case 'dataDir': {
        const checked = checkPath(value, key)
        if (checked !== null && typeof checked !== 'string') return checked
        patch[key] = checked
        break
      }
      case 'startAtLogin':
      case 'notifyUnhealthy':
        if (typeof value !== 'boolean')
          return { ok: false, field: key, error: `${key} must be true or false` }
        patch[key] = value
        break
      default:
        return { ok: false, error: `unknown setting "${key}"` }
    }
  }
  return { ok: true, patch }
}

/** Reads settings from whatever was on disk: each valid field is kept, the rest falls back to defaults. */
export function settingsFromStored(stored: unknown): DesktopSettings {
  const settings: DesktopSettings = { ...DEFAULT_SETTINGS }
  if (!isRecord(stored)) return settings
  for (const [key, value] of Object.entries(stored)) {
    const checked = checkSettingsPatch({ [key]: value })
    if (checked.ok) Object.assign(settings, checked.patch)
  }
  return settings
}

export function mergeSettings(base: DesktopSettings, patch: SettingsPatch): DesktopSettings {
  return { ...base, ...patch }
}

/** True when the change needs the gateway restarted (start-at-login and notifications do not). */
export function needsRestart(before: DesktopSettings, after: DesktopSettings): boolean {
  return (
    before.host !== after.host ||
    before.port !== after.port ||
    before.configFile !== after.configFile ||
    before.dataDir !== after.dataDir
  )
}
