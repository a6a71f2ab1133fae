// Electron main: binds the app controller to Electron. Behaviour lives in app-controller.ts and friends.
import { app, clipboard, dialog, type IpcMainInvokeEvent, Notification, shell } from 'electron'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type AppController, createAppController } from './app-controller.ts'
import { createGatewayHost } from './gateway-host.ts'
import { createDesktopApi } from './ipc/desktop-api.ts'
import { type IpcRegistration, registerIpcHandlers } from './ipc/handlers.ts'
import { createJsonStore } from './json-file.ts'
import { isHiddenLaunch, parseLaunchArgs } from './launch-args.ts'
import { createLoginItem } from './login-item.ts'
import { isSafeExternalUrl, isTrustedSender } from './navigation.ts'
import { settingsFromStored } from './settings.ts'
import { createTray } from './tray.ts'
import { createMainWindow } from './window.ts'
import { choosePreload } from './window-options.ts'
import { boundsFromStored } from './window-state.ts'

// A throwaway profile for e2e runs and side-by-side instances; must be set before the single-instance lock.
const userDataOverride = process.env.SALLYPORT_USER_DATA_DIR
if (userDataOverride) app.setPath('userData', userDataOverride)

const here = fileURLToPath(new URL('.', import.meta.url))

/** resources/ two levels above out/main (and src/main); packaged, it is unpacked from the asar for the tray. */
function resourcesDir(): string {
  return join(here, '..', '..', 'resources').replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')
}

function openExternal(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url)
}

let controller: AppController | undefined
let ipc: IpcRegistration | undefined
let drained = false

async function launch(): Promise<void> {
  const userData = app.getPath('userData')
  const resources = resourcesDir()
  const rendererDir = join(here, '..', 'renderer')
  const windowStore = createJsonStore(join(userData, 'window-state.json'), boundsFromStored)
  const window = createMainWindow({
    preload: choosePreload(join(here, '..', 'preload'), existsSync),
    icon: join(resources, 'icons', 'icon.png'),
    boundsStore: windowStore,
    initialBounds: await windowStore.load(),
    dashboardUrl: () => controller?.dashboardUrl,
    onActionUrl: (url) => void controller?.runPageAction(url),
    openExternal,
  })
  const tray = createTray({
    iconDir: join(resources, 'tray'),
    onAction: (action) => void controller?.runTrayAction(action),
  })
  const argv = process.argv.slice(1)
  const loginItem = createLoginItem({
    platform: process.platform,
    setLoginItemSettings: (settings) => app.setLoginItemSettings(settings),
    autostartDir: join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart'),
    execPath: process.env.APPIMAGE || process.execPath,
    args: app.isPackaged ? [] : [fileURLToPath(import.meta.url)],
  })
  const ctl = createAppController({
    host: createGatewayHost(),
    settingsStore: createJsonStore(join(userData, 'settings.json'), settingsFromStored),
    window,
    tray,
    defaultDataDir: userData,
    dashboardDir: existsSync(join(rendererDir, 'index.html')) ? rendererDir : undefined,
    overrides: parseLaunchArgs(argv),
    startHidden:
      isHiddenLaunch(argv) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin),
    desktop: {
      copyText: (text) => clipboard.writeText(text),
      openPath: async (path) => {
        const error = await shell.openPath(path)
        if (error) shell.showItemInFolder(path)
      },
      revealPath: (path) => void shell.openPath(path),
      notify: (title, body) => {
        if (!Notification.isSupported()) return
        const note = new Notification({ title, body })
        note.on('click', () => controller?.openWindow())
        note.show()
      },
      setStartAtLogin: (enabled) => {
        loginItem
          .set(enabled)
          .catch((err: unknown) => console.warn('sallyport: cannot change the login item:', err))
      },
      exit: () => {
        drained = true
        ipc?.close()
        app.quit()
      },
    },
  })
  controller = ctl
  ipc = registerIpcHandlers(
    createDesktopApi({ controller: ctl, appVersion: app.getVersion(), openExternal }),
    (event: IpcMainInvokeEvent) => isTrustedSender(event.senderFrame?.url, ctl.dashboardUrl),
  )
  await ctl.start()
}

if (!app.requestSingleInstanceLock()) {
  // Another Sallyport owns the gateway port and the data dir; it was told to show itself.
  app.quit()
} else {
  app.on('second-instance', () => controller?.openWindow())
  app.on('activate', () => controller?.openWindow())
  // Closing the window leaves the gateway serving from the tray; quitting is explicit.
  app.on('window-all-closed', () => {})
  app.on('before-quit', (event) => {
    if (drained || !controller) return
    event.preventDefault()
    void controller.quit()
  })
  app
    .whenReady()
    .then(launch)
    .catch((err: unknown) => {
      // Not even the window could be set up: say so in a native box rather than exit silently.
      console.error('sallyport: cannot start the desktop app:', err)
      dialog.showErrorBox('Sallyport cannot start', err instanceof Error ? err.message : String(err))
      app.exit(1)
    })
}
