// The only file that touches ipcMain: typed registration of the contract's handlers.
import { type IpcMainInvokeEvent, ipcMain } from 'electron'
import type { IpcChannel } from './contract.ts'
import type { IpcHandlers } from './desktop-api.ts'

export interface IpcRegistration {
  close(): void
}

/**
 * Registers every channel; calls from frames that `isTrusted` rejects (anything but our dashboard) fail,
 * so a page the window was navigated to cannot reach desktop functions.
 */
export function registerIpcHandlers(
  handlers: IpcHandlers,
  isTrusted: (event: IpcMainInvokeEvent) => boolean,
): IpcRegistration {
  const channels = Object.keys(handlers) as IpcChannel[]
  for (const channel of channels) {
    const handler = handlers[channel] as (...args: unknown[]) => unknown
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrusted(event)) throw new Error(`${channel}: sender not allowed`)
      return handler(...args)
    })
  }
  let closed = false
  return {
    close() {
      if (closed) return
      closed = true
      for (const channel of channels) ipcMain.removeHandler(channel)
    },
  }
}
