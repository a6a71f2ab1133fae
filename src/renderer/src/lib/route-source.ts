// Why a route cannot be edited in the dashboard, by where it comes from: the long reason for the
// detail page, a short one that fits a table cell (both shown as text, not only on hover).
import type { RouteSource } from '../api/types.ts'

export type ReadOnlySource = Exclude<RouteSource, 'manual'>

export const readOnlyReason: Record<ReadOnlySource, string> = {
  config: 'Defined in the config file: edit the file and Sallyport reloads it.',
  farp: 'Announced by a service over FARP: it changes when the service re-announces.',
  discovery: 'Discovered on the network: it follows the service, and goes when the service does.',
}

export const readOnlyShort: Record<ReadOnlySource, string> = {
  config: 'edit the config file',
  farp: 'follows the service’s FARP manifest',
  discovery: 'follows the discovered service',
}
