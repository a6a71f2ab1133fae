// Service discovery: mDNS (FARP over DNS-SD) and push registration → `farp`/`discovery` routes.
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
