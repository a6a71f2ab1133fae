// The request policies a gateway may set for every route (`defaults.cors|jwt|rateLimit|cache`) and how a
// route's own setting relates to them: absent → the gateway's default; an object → the route's own,
// whole (no field-wise merge: a route's JWT must never pick up another issuer's key); `false` → off.
import type { GatewayConfig, RouteConfig } from '../model/index.ts'

export const DEFAULTABLE_POLICIES = ['cors', 'jwt', 'rateLimit', 'cache'] as const
export type DefaultablePolicy = (typeof DEFAULTABLE_POLICIES)[number]

type Defaults = NonNullable<GatewayConfig['defaults']>
export type PolicyConfig<K extends DefaultablePolicy> = Exclude<RouteConfig[K], false | undefined>
export type RequestPolicyDefaults = Readonly<Pick<Defaults, DefaultablePolicy>>

export interface EffectivePolicy<K extends DefaultablePolicy> {
  readonly config: PolicyConfig<K>
  /** The gateway's `defaults.<policy>`, the route naming none. */
  readonly fromDefault: boolean
}

/** The policy a route runs with, or undefined when it has none (or turned the default off). */
export function effectivePolicy<K extends DefaultablePolicy>(
  route: RouteConfig,
  defaults: RequestPolicyDefaults,
  name: K,
): EffectivePolicy<K> | undefined {
  const own = route[name]
  if (own === false) return undefined
  if (own !== undefined) return { config: own as PolicyConfig<K>, fromDefault: false }
  const fallback = defaults[name]
  return fallback === undefined ? undefined : { config: fallback as PolicyConfig<K>, fromDefault: true }
}

/** The route's own policy object, `false` and absence both read as none (for dialect views). */
export function ownPolicy<K extends DefaultablePolicy>(
  route: RouteConfig,
  name: K,
): PolicyConfig<K> | undefined {
  const own = route[name]
  return own === false || own === undefined ? undefined : (own as PolicyConfig<K>)
}
