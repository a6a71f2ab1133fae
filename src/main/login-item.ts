import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The flag a login launch carries, so the app starts in the tray without opening its window. */
export const HIDDEN_FLAG = '--hidden'

// Desktop Entry spec: inside a quoted Exec argument, " ` $ and \ are escaped with a backslash.
function quoteExecArg(arg: string): string {
  return `"${arg.replace(/["`$\\]/g, (ch) => `\\${ch}`)}"`
}

/** An XDG autostart entry (~/.config/autostart/sallyport.desktop) for Linux, where Electron has no login items. */
export function autostartEntry(exec: string, args: readonly string[] = []): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Sallyport',
    'Comment=Local-development API gateway',
    `Exec=${[exec, ...args].map(quoteExecArg).join(' ')} ${HIDDEN_FLAG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

export interface LoginItemDeps {
  platform: NodeJS.Platform
  /** Electron's app.setLoginItemSettings (macOS, Windows). */
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void
  /** $XDG_CONFIG_HOME/autostart (Linux). */
  autostartDir: string
  /** What to launch: the AppImage when running from one, else the executable. */
  execPath: string
  /** Arguments before the flag: the app path when running unpackaged (`electron out/main/index.js`). */
  args?: readonly string[] | undefined
}

export interface LoginItem {
  set(enabled: boolean): Promise<void>
}

export function createLoginItem(deps: LoginItemDeps): LoginItem {
  const file = join(deps.autostartDir, 'sallyport.desktop')
  return {
    async set(enabled) {
      if (deps.platform !== 'linux') {
        deps.setLoginItemSettings({ openAtLogin: enabled, args: [...(deps.args ?? []), HIDDEN_FLAG] })
        return
      }
      if (!enabled) {
        await rm(file, { force: true })
        return
      }
      await mkdir(deps.autostartDir, { recursive: true })
      await writeFile(file, autostartEntry(deps.execPath, deps.args), 'utf8')
    },
  }
}
