// The management quota: N calls per client per fixed one-minute window; over it, the seconds to wait.
export interface Quota {
  readonly limit: number
  /** 0 when the call may go ahead, else seconds until the window resets (for Retry-After). */
  take(key: string, now?: number): number
}

export function createQuota(limit: number, windowMs = 60_000): Quota {
  const windows = new Map<string, { start: number; count: number }>()
  return {
    limit,
    take(key, now = Date.now()) {
      let w = windows.get(key)
      if (!w || now - w.start >= windowMs) {
        // Forget finished windows so the map stays as small as the set of active clients.
        for (const [k, v] of windows) if (now - v.start >= windowMs) windows.delete(k)
        w = { start: now, count: 0 }
        windows.set(key, w)
      }
      w.count++
      if (w.count <= limit) return 0
      return Math.max(1, Math.ceil((w.start + windowMs - now) / 1000))
    },
  }
}
