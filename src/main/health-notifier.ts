export interface UpstreamHealthDetail {
  targetId: string
  url: string
  healthy: boolean
}

export interface HealthNotifierDeps {
  /** Dispatches 'upstream-health' CustomEvents (the gateway host's stable event target). */
  events: EventTarget
  notify(title: string, body: string): void
  /** Read on every event, so toggling the setting takes effect at once. */
  enabled(): boolean
  now?: (() => number) | undefined
  /** One notification per upstream per this window, however much it flaps. */
  perTargetCooldownMs?: number | undefined
  /** At most one notification per this window overall; the rest are counted into the next one. */
  minIntervalMs?: number | undefined
}

export interface HealthNotifier {
  close(): void
}

export function parseHealthDetail(detail: unknown): UpstreamHealthDetail | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined
  const { targetId, url, healthy } = detail as Record<string, unknown>
  if (typeof targetId !== 'string' || typeof healthy !== 'boolean') return undefined
  return { targetId, url: typeof url === 'string' ? url : targetId, healthy }
}

/** Native notifications when an upstream turns unhealthy: transitions only, rate-limited, switchable. */
export function createHealthNotifier(deps: HealthNotifierDeps): HealthNotifier {
  const now = deps.now ?? Date.now
  const cooldown = deps.perTargetCooldownMs ?? 5 * 60_000
  const minInterval = deps.minIntervalMs ?? 15_000
  const healthy = new Map<string, boolean>()
  const lastNotified = new Map<string, number>()
  let lastAny = Number.NEGATIVE_INFINITY
  let suppressed = 0
  let closed = false

  const onHealth = (event: Event): void => {
    const detail = parseHealthDetail((event as CustomEvent<unknown>).detail)
    if (!detail) return
    const wasHealthy = healthy.get(detail.targetId)
    healthy.set(detail.targetId, detail.healthy)
    if (detail.healthy || wasHealthy === false || !deps.enabled()) return
    const t = now()
    if (t - (lastNotified.get(detail.targetId) ?? Number.NEGATIVE_INFINITY) < cooldown) return
    lastNotified.set(detail.targetId, t)
    if (t - lastAny < minInterval) {
      suppressed++
      return
    }
    lastAny = t
    const more = suppressed > 0 ? ` (and ${suppressed} more since the last notice)` : ''
    suppressed = 0
    deps.notify('Upstream unhealthy', `${detail.url} stopped answering its health check${more}.`)
  }

  deps.events.addEventListener('upstream-health', onHealth)
  return {
    close() {
      if (closed) return
      closed = true
      deps.events.removeEventListener('upstream-health', onHealth)
    },
  }
}
