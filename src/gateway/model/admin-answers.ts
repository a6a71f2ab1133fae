// Wire shapes of the smaller admin answers (policies, discovery writes, probes, health report): the
// handlers type their answers with these, and the admin API's own OpenAPI document shows them.
import Type from 'typebox'
import { CircuitState } from './views.ts'

/** POST <base>/api/circuits/:targetId/reset. */
export const CircuitResetResult = Type.Object({
  targetId: Type.String(),
  circuitState: CircuitState,
  healthy: Type.Boolean({ description: 'a target taken out by failed requests is back in' }),
})
export type CircuitResetResult = Type.Static<typeof CircuitResetResult>

/** DELETE <base>/api/cache[?route=<id>]. */
export const CachePurgeResult = Type.Object({
  purged: Type.Number({ description: 'cached responses dropped' }),
  routes: Type.Array(Type.String(), { description: 'the routes whose cache was purged' }),
})
export type CachePurgeResult = Type.Static<typeof CachePurgeResult>

/** POST <base>/api/discovery/register and DELETE <base>/api/discovery/services/:name. */
export const ServiceChangeResult = Type.Object({
  status: Type.Union([Type.Literal('registered'), Type.Literal('deregistered')]),
  service: Type.String(),
})
export type ServiceChangeResult = Type.Static<typeof ServiceChangeResult>

/** GET /live and GET /ready (platform-gateway document). */
export const ProbeStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('ready'), Type.Literal('not_ready')]),
  reason: Type.Optional(Type.String({ description: 'why the gateway is not ready' })),
})
export type ProbeStatus = Type.Static<typeof ProbeStatus>

export const ComponentStatus = Type.Union([
  Type.Literal('healthy'),
  Type.Literal('degraded'),
  Type.Literal('unhealthy'),
])
export type ComponentStatus = Type.Static<typeof ComponentStatus>

export const HealthComponent = Type.Object({
  status: ComponentStatus,
  latencyMs: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
})
export type HealthComponent = Type.Static<typeof HealthComponent>

/** GET /health: one component per upstream service plus `config`, `proxy` and (with `store.redis`) `store`. */
export const HealthReport = Type.Object({
  status: ComponentStatus,
  version: Type.String(),
  uptime: Type.String({ description: 'e.g. 1h2m3s' }),
  components: Type.Record(Type.String(), HealthComponent),
})
export type HealthReport = Type.Static<typeof HealthReport>
