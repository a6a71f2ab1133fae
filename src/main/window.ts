import { BrowserWindow, screen } from 'electron'
import type { ShellWindow } from './app-controller.ts'
import type { JsonStore } from './json-file.ts'
import { decideNavigation, isPermissionGranted } from './navigation.ts'
import { isActionUrl, toDataUrl } from './status-page.ts'
import type { PreloadChoice } from './window-options.ts'
import { windowOptions } from './window-options.ts'
import { fitBounds, type WindowBounds } from './window-state.ts'
import type { WindowView } from './window-view.ts'

export interface MainWindowDeps {
  preload: PreloadChoice
  icon?: string | undefined
  boundsStore: JsonStore<WindowBounds>
  initialBounds: WindowBounds
  /** The dashboard URL currently served, for the navigation guard and permission checks. */
  dashboardUrl(): string | undefined
  onActionUrl(url: string): void
  openExternal(url: string): void
}

// Resize/move fire continuously while dragging; one write after the user lets go is enough.
const SAVE_DELAY_MS = 500

/** The main window over BrowserWindow: guards, remembered bounds, one view at a time. */
export function createMainWindow(deps: MainWindowDeps): ShellWindow {
  let win: BrowserWindow | undefined
  let shown: string | undefined
  let bounds = deps.initialBounds
  let saveTimer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  const captureBounds = (w: BrowserWindow): void => {
    const b = w.getNormalBounds()
    bounds = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: w.isMaximized() }
  }

  const save = (): Promise<void> => deps.boundsStore.save(bounds).catch(() => {})

  const scheduleSave = (w: BrowserWindow): void => {
    if (saveTimer !== undefined) clearTimeout(saveTimer)
    saveTimer = setTimeout(() => {
      saveTimer = undefined
      if (!w.isDestroyed()) captureBounds(w)
      void save()
    }, SAVE_DELAY_MS)
  }

  const create = (): BrowserWindow => {
    const fitted = fitBounds(
      bounds,
      screen.getAllDisplays().map((d) => d.workArea),
    )
    const w = new BrowserWindow(windowOptions({ bounds: fitted, preload: deps.preload, icon: deps.icon }))
    if (fitted.maximized) w.maximize()
    const contents = w.webContents
    contents.setWindowOpenHandler(({ url }) => {
      if (decideNavigation(url, deps.dashboardUrl()) !== 'deny') deps.openExternal(url)
      return { action: 'deny' }
    })
    contents.on('will-navigate', (event, url) => {
      if (isActionUrl(url)) {
        event.preventDefault()
        deps.onActionUrl(url)
        return
      }
      const decision = decideNavigation(url, deps.dashboardUrl())
      if (decision === 'allow') return
      event.preventDefault()
      if (decision === 'external') deps.openExternal(url)
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.session.setPermissionRequestHandler((_contents, permission, callback, details) => {
      callback(isPermissionGranted(permission, details.requestingUrl, deps.dashboardUrl()))
    })
    contents.session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
      isPermissionGranted(permission, requestingOrigin, deps.dashboardUrl()),
    )
    w.on('resize', () => scheduleSave(w))
    w.on('move', () => scheduleSave(w))
    w.on('close', () => {
      captureBounds(w)
      void save()
    })
    w.on('closed', () => {
      if (win === w) {
        win = undefined
        shown = undefined
      }
    })
    // Shown on first paint; a load that fails before painting must not leave an invisible window.
    const reveal = (): void => {
      if (!w.isDestroyed() && !w.isVisible()) w.show()
    }
    w.once('ready-to-show', reveal)
    contents.once('did-fail-load', reveal)
    return w
  }

  const load = (w: BrowserWindow, view: WindowView): void => {
    const url = view.kind === 'dashboard' ? view.url : toDataUrl(view.html)
    // A load interrupted by the next one rejects with ERR_ABORTED; the newer view wins, nothing to report.
    w.loadURL(url).catch(() => {})
  }

  return {
    show(view, options = {}) {
      if (closed) return
      const fresh = !win || win.isDestroyed()
      if (fresh) win = create()
      const w = win as BrowserWindow
      const key = view.kind === 'dashboard' ? view.url : view.html
      if (key !== shown) {
        shown = key
        load(w, view)
      }
      if (options.focus && !fresh) {
        if (w.isMinimized()) w.restore()
        w.show()
        w.focus()
      }
    },
    get isOpen() {
      return win !== undefined && !win.isDestroyed()
    },
    async close() {
      if (closed) return
      closed = true
      if (saveTimer !== undefined) clearTimeout(saveTimer)
      const w = win
      win = undefined
      if (w && !w.isDestroyed()) {
        captureBounds(w)
        w.destroy()
      }
      await save()
      await deps.boundsStore.close()
    },
  }
}
