// A stand-in for the `electron` module so the real src/main/index.ts runs under plain Node
// (`mock.module('electron', { namedExports: fake.exports })`); the binary is never needed.
import { EventEmitter } from 'node:events'

export interface FakeEvent {
  prevented: boolean
  preventDefault(): void
}

export function fakeEvent(): FakeEvent {
  const event = {
    prevented: false,
    preventDefault() {
      event.prevented = true
    },
  }
  return event
}

type Handler = (event: unknown, ...args: unknown[]) => unknown
type OpenHandler = (details: { url: string }) => { action: string }

// One fake per test process (node:test runs each file in its own process), so module-level lists are fine.
const windows: FakeWindow[] = []
const trays: FakeTray[] = []
const record = {
  quits: 0,
  exits: [] as number[],
  external: [] as string[],
  clipboard: [] as string[],
  notifications: [] as { title: string; body: string }[],
  loginItems: [] as unknown[],
  paths: {} as Record<string, string>,
  errorBoxes: [] as string[],
}

export class FakeWebContents extends EventEmitter {
  openHandler: OpenHandler | undefined
  session = {
    setPermissionRequestHandler: () => {},
    setPermissionCheckHandler: () => {},
  }
  setWindowOpenHandler(fn: OpenHandler) {
    this.openHandler = fn
  }
  /** Simulates a renderer-initiated navigation; returns true when the window let it happen. */
  navigate(url: string): boolean {
    const event = fakeEvent()
    this.emit('will-navigate', event, url)
    return !event.prevented
  }
}

export class FakeWindow extends EventEmitter {
  readonly options: unknown
  readonly webContents = new FakeWebContents()
  readonly loaded: string[] = []
  destroyed = false
  visible = false
  constructor(options: unknown) {
    super()
    this.options = options
    windows.push(this)
  }
  async loadURL(url: string) {
    this.loaded.push(url)
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: 1000, height: 700 }
  }
  isMaximized() {
    return false
  }
  isMinimized() {
    return false
  }
  isDestroyed() {
    return this.destroyed
  }
  isVisible() {
    return this.visible
  }
  maximize() {}
  restore() {}
  show() {
    this.visible = true
  }
  focus() {}
  destroy() {
    this.destroyed = true
    this.emit('closed')
  }
}

export class FakeTray extends EventEmitter {
  menu: { label?: string; click?: () => void; type?: string }[] = []
  tooltip = ''
  destroyed = false
  readonly image: unknown
  constructor(image: unknown) {
    super()
    this.image = image
    trays.push(this)
  }
  setImage() {}
  setToolTip(text: string) {
    this.tooltip = text
  }
  setContextMenu(menu: { label?: string; click?: () => void }[]) {
    this.menu = menu
  }
  destroy() {
    this.destroyed = true
  }
}

export class FakeNotification extends EventEmitter {
  static isSupported() {
    return true
  }
  readonly options: { title: string; body: string }
  constructor(options: { title: string; body: string }) {
    super()
    this.options = options
  }
  show() {
    record.notifications.push(this.options)
  }
}

export interface FakeApp extends EventEmitter {
  quit(): void
}

export interface FakeElectron {
  /** For `mock.module('electron', { namedExports: fake.exports })`. */
  exports: { app: FakeApp } & Record<string, unknown>
  record: typeof record
  windows: FakeWindow[]
  trays: FakeTray[]
  handlers: Map<string, Handler>
  invoke(channel: string, frameUrl: string, ...args: unknown[]): Promise<unknown>
}

export function createFakeElectron(userData: string): FakeElectron {
  const handlers = new Map<string, Handler>()

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    setPath: (name: string, path: string) => {
      record.paths[name] = path
    },
    getPath: (name: string) => record.paths[name] ?? (name === 'userData' ? userData : `/fake/${name}`),
    getAppPath: () => process.cwd(),
    getVersion: () => '0.1.0-test',
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    setLoginItemSettings: (settings: unknown) => record.loginItems.push(settings),
    quit: () => {
      const event = fakeEvent()
      app.emit('before-quit', event)
      if (!event.prevented) record.quits++
    },
    exit: (code = 0) => {
      record.exits.push(code)
    },
  })

  const exports = {
    app,
    BrowserWindow: FakeWindow,
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: { buildFromTemplate: (template: unknown) => template },
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    shell: {
      openExternal: async (url: string) => {
        record.external.push(url)
      },
      openPath: async () => '',
      showItemInFolder: () => {},
    },
    dialog: {
      showErrorBox: (title: string, content: string) => record.errorBoxes.push(`${title}: ${content}`),
    },
    clipboard: { writeText: (text: string) => record.clipboard.push(text) },
    ipcMain: {
      handle: (channel: string, fn: Handler) => {
        if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
        handlers.set(channel, fn)
      },
      removeHandler: (channel: string) => handlers.delete(channel),
    },
  }

  /** Calls an IPC handler the way ipcRenderer.invoke would, from a frame at `frameUrl`. */
  const invoke = async (channel: string, frameUrl: string, ...args: unknown[]): Promise<unknown> => {
    const handler = handlers.get(channel)
    if (!handler) throw new Error(`no handler for ${channel}`)
    return handler({ senderFrame: { url: frameUrl } }, ...args)
  }

  return { exports, record, windows, trays, handlers, invoke }
}

/** Polls until `check` returns a value (tests only; bounded so a hang becomes a failure). */
export async function until<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
