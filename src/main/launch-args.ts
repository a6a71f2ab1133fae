import { isAbsolute, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { LaunchOverrides } from './app-controller.ts'
import { checkSettingsPatch } from './settings.ts'

/**
 * `--port N --host ADDR --config FILE --data-dir DIR --no-discovery` for this run only (e2e tests, a second profile).
 * Chromium's own switches are in argv too, so unknown options are ignored rather than refused.
 */
export function parseLaunchArgs(argv: readonly string[], cwd: string = process.cwd()): LaunchOverrides {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-discovery': { type: 'boolean' },
    },
  })
  const raw: Record<string, unknown> = {}
  if (typeof values.port === 'string') raw.port = Number(values.port)
  if (typeof values.host === 'string') raw.host = values.host
  const path = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p))
  if (typeof values.config === 'string') raw.configFile = path(values.config)
  if (typeof values['data-dir'] === 'string') raw.dataDir = path(values['data-dir'])
  const overrides: LaunchOverrides = {}
  // Each flag is checked on its own, so one bad flag does not drop the others.
  for (const [key, value] of Object.entries(raw)) {
    const checked = checkSettingsPatch({ [key]: value })
    if (checked.ok) Object.assign(overrides, checked.patch)
  }
  if (values['no-discovery'] === true) overrides.discovery = false
  return overrides
}

/** `--hidden` (set by the login item): start in the tray without opening the window. */
export function isHiddenLaunch(argv: readonly string[]): boolean {
  return argv.includes('--hidden')
}
