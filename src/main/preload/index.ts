// The only file that touches ipcRenderer and contextBridge. Built to out/preload/; sandboxed when CommonJS.
import { contextBridge, ipcRenderer } from 'electron'
import type { IpcInvoke } from '../ipc/contract.ts'
import { createBridge } from './bridge.ts'

const invoke: IpcInvoke = (channel, ...args) => ipcRenderer.invoke(channel, ...args)

contextBridge.exposeInMainWorld('sallyport', createBridge(invoke))
