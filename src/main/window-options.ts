import type { BrowserWindowConstructorOptions } from 'electron'
import { join } from 'node:path'
import type { WindowBounds } from './window-state.ts'
import { MIN_SIZE } from './window-state.ts'

export interface PreloadChoice {
  path: string
  /** A sandboxed preload must be CommonJS; an ESM build (index.mjs) can only run unsandboxed. */
  sandbox: boolean
}

/** Picks the built preload: CommonJS (sandboxed) when the build produced it, else the ESM file. */
export function choosePreload(dir: string, exists: (path: string) => boolean): PreloadChoice {
  for (const name of ['index.cjs', 'index.js']) {
    const path = join(dir, name)
    if (exists(path)) return { path, sandbox: true }
  }
  return { path: join(dir, 'index.mjs'), sandbox: false }
}

export interface WindowOptionsInput {
  bounds: WindowBounds
  preload: PreloadChoice
  icon?: string | undefined
}

export function windowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  const { bounds } = input
  return {
    title: 'Sallyport',
    width: bounds.width,
    height: bounds.height,
    ...(bounds.x === undefined || bounds.y === undefined ? { center: true } : { x: bounds.x, y: bounds.y }),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    autoHideMenuBar: true,
    ...(input.icon === undefined ? {} : { icon: input.icon }),
    webPreferences: {
      preload: input.preload.path,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      sandbox: input.preload.sandbox,
      webviewTag: false,
      spellcheck: false,
    },
  }
}
