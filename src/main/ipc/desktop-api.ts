import type { AppController } from '../app-controller.ts'
import { isSafeExternalUrl } from '../navigation.ts'
import type { IpcChannel, IpcContract, IpcResult } from './contract.ts'

/** One implementation per contract channel; arguments arrive from the renderer, so each one re-checks them. */
export type IpcHandlers = {
  [K in IpcChannel]: (...args: Parameters<IpcContract[K]>) => IpcResult<K> | Promise<IpcResult<K>>
}

export interface DesktopApiDeps {
  controller: Pick<AppController, 'getSettings' | 'setSettings' | 'revealDataDir'>
  appVersion: string
  openExternal(url: string): void
}

export function createDesktopApi(deps: DesktopApiDeps): IpcHandlers {
  return {
    'app:get-version': () => deps.appVersion,
    'shell:open-external': (url) => {
      if (typeof url !== 'string' || !isSafeExternalUrl(url)) return false
      deps.openExternal(url)
      return true
    },
    'shell:reveal-data-dir': () => deps.controller.revealDataDir(),
    'settings:get': () => deps.controller.getSettings(),
    'settings:set': (patch) => deps.controller.setSettings(patch),
  }
}
