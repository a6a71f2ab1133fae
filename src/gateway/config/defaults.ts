// The embedded default: what `sallyport` runs with no config file. resources/default-config.yaml
// shows the same values to users; a test keeps the two equal.
import type { LoadBalancerName } from '../model/index.ts'

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  drainTimeoutMs: 10_000,
  headTimeoutMs: 30_000,
  adminBasePath: '/gateway',
  realtime: true,
  statsIntervalMs: 2000,
  routePrefix: '/api',
  loadBalancer: 'round-robin' as LoadBalancerName,
  timeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  // No cap on upstream connections per origin: each SSE or long poll holds one for its whole life,
  // and a cap would leave the next client waiting. `defaults.connections` sets one.
  connections: undefined as number | undefined,
  keepAliveTimeoutMs: 60_000,
  discovery: true,
  openapiRefreshMs: 30_000,
  manualPriorityBoost: 100,
} as const

/** Paths the gateway answers itself; a route may not shadow them. */
export function reservedPrefixes(adminBasePath: string): readonly string[] {
  return [adminBasePath, '/live', '/ready', '/health', '/metrics', '/api/v2/gateway']
}
