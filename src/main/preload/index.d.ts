// window.sallyport as the renderer sees it: inferred from the preload's bridge object, absent when headless.
import type { SallyportBridge } from './bridge.ts'

declare global {
  interface Window {
    readonly sallyport?: SallyportBridge | undefined
  }
}

export type { DesktopSettings, SettingsPatch, SettingsResult } from '../ipc/contract.ts'
export type { SallyportBridge }
