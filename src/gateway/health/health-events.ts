// Tells listeners (the desktop tray's notifications, the CLI log) when an upstream target turns
// unhealthy or healthy again. Sampled once a second: nothing is added to the request path.
import type { ConfigWatcher } from '../config/watcher.ts'
import type { TargetStateRegistry } from './target-state.ts'

export interface UpstreamHealthDetail {
  readonly targetId: string
  readonly url: string
  readonly routeId: string
  readonly healthy: boolean
  readonly reason: string | undefined
}

export function watchUpstreamHealth(
  watcher: ConfigWatcher,
  states: TargetStateRegistry,
  events: EventTarget,
  intervalMs = 1000,
): { close(): void } {
  const last = new Map<string, boolean>()
  const timer = setInterval(() => {
    const seen = new Set<string>()
    for (const route of watcher.current.routes) {
      for (const t of route.targets) {
        if (seen.has(t.id)) continue
        seen.add(t.id)
        const s = states.peek(t.id)
        const healthy = s ? s.up : true
        // Targets start healthy: one found unhealthy on its first sample is news too.
        const before = last.get(t.id) ?? true
        last.set(t.id, healthy)
        if (before === healthy) continue
        const detail: UpstreamHealthDetail = {
          targetId: t.id,
          url: t.url,
          routeId: route.id,
          healthy,
          reason: s?.reason ?? undefined,
        }
        events.dispatchEvent(new CustomEvent('upstream-health', { detail }))
      }
    }
    for (const id of last.keys()) if (!seen.has(id)) last.delete(id)
  }, intervalMs)
  timer.unref()
  return { close: () => clearInterval(timer) }
}
