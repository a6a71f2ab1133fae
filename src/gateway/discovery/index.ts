// Service discovery: mDNS (FARP over DNS-SD) and push registration → `farp`/`discovery` routes.
import type { GatewayCore } from '../core.ts'
import type { Discovery } from './discovery-service.ts'

export { createDiscovery, type Discovery, type DiscoveryOptions } from './discovery-service.ts'
export {
  checkManifest,
  FARP_PROTOCOL_VERSION,
  isCompatibleVersion,
  manifestChecksum,
} from './farp-manifest.ts'
export { createServiceFilter } from './filters.ts'
export { createMdnsBrowser, parseServiceType, toInstance } from './mdns-browser.ts'
export { describeService, prefixFor } from './service-routes.ts'
export { parseCapabilities, sanitizeServiceName } from './service.ts'
export { announceService, type Announcement, type AnnounceOptions } from './announce.ts'

const attached = new WeakMap<GatewayCore, Discovery>()

/** The composition root hands the discovery subsystem to the admin API through the core. */
export function attachDiscovery(core: GatewayCore, discovery: Discovery): void {
  attached.set(core, discovery)
}

export function discoveryOf(core: GatewayCore): Discovery | undefined {
  return attached.get(core)
}
