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
  // The request inspector: 64 KiB of each body, 8 MiB of bodies in all (every one of the 500 records
  // while bodies average 8 KiB each way; every byte kept is a byte copied to memory the CPU cache does
  // not hold: 64 KiB responses cost +6 µs each at 8 MiB, +11 µs at 32 MiB), these JSON fields hidden.
  // The shared store (Redis/Valkey): one operation waits at most 250 ms (a local round trip takes
  // ~0.1 ms; past that the store is sick and the gateway decides alone rather than hold requests).
  redisKeyPrefix: 'sallyport:',
  redisTimeoutMs: 250,
  inspectorBodyLimit: 64 * 1024,
  inspectorBodyBudget: 8 * 1024 * 1024,
  inspectorRedactFields: [
    'password',
    'passwd',
    'secret',
    'token',
    'accessToken',
    'access_token',
    'refreshToken',
    'refresh_token',
    'idToken',
    'id_token',
    'apiKey',
    'api_key',
    'clientSecret',
    'client_secret',
    'authorization',
  ] as readonly string[],
  manualPriorityBoost: 100,
  /** The largest request body the admin API and the dialects read (larger ones get a 413). */
  adminBodyLimitBytes: 1024 * 1024,
  // Every target: passive health and a circuit breaker, on unless `enabled: false` (issue 19).
  healthCheck: {
    /** Consecutive failed attempts (no answer, or a 5xx) that take a target out of rotation. */
    passiveFailures: 5,
    /** Then one request is let through; its success brings the target back, a failure waits again. */
    passiveCooldownMs: 30_000,
    // Active checks, where a path is named (or on gRPC routes that configure them).
    intervalMs: 10_000,
    timeoutMs: 5_000,
    unhealthyThreshold: 3,
    healthyThreshold: 2,
  },
  // The platform document's gRPC call policy (sony/gobreaker): 5 consecutive failures in 30 s → open
  // for 30 s (503 without calling the upstream) → half-open, one request decides.
  circuitBreaker: { maxFailures: 5, intervalMs: 30_000, openTimeoutMs: 30_000, halfOpenMax: 1 },
} as const

/** Paths the gateway answers itself; a route may not shadow them. */
export function reservedPrefixes(adminBasePath: string): readonly string[] {
  return [adminBasePath, '/live', '/ready', '/health', '/metrics', '/api/v2/gateway']
}
