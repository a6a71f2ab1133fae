// What the preload exposes as window.sallyport. No electron import: the renderer's typecheck reads this
// file (through index.d.ts) and infers Window['sallyport'] from it.
import type { IpcInvoke, SettingsPatch } from '../ipc/contract.ts'

export function createBridge(invoke: IpcInvoke) {
  return Object.freeze({
    /** Lets the dashboard tell desktop from headless without a round trip. */
    isDesktop: true as const,
    appVersion: () => invoke('app:get-version'),
    openExternal: (url: string) => invoke('shell:open-external', url),
    revealDataDir: () => invoke('shell:reveal-data-dir'),
    getSettings: () => invoke('settings:get'),
    setSettings: (patch: SettingsPatch) => invoke('settings:set', patch),
  })
}

export type SallyportBridge = ReturnType<typeof createBridge>
