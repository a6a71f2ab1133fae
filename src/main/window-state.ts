export interface WindowBounds {
  x?: number | undefined
  y?: number | undefined
  width: number
  height: number
  maximized: boolean
}

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export const DEFAULT_BOUNDS: Readonly<WindowBounds> = Object.freeze({
  width: 1280,
  height: 800,
  maximized: false,
})
export const MIN_SIZE = Object.freeze({ width: 640, height: 420 })

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** Parses `window-state.json`; anything odd falls back to the defaults. */
export function boundsFromStored(stored: unknown): WindowBounds {
  if (typeof stored !== 'object' || stored === null) return { ...DEFAULT_BOUNDS }
  const s = stored as Record<string, unknown>
  const bounds: WindowBounds = {
    width: finite(s.width) ? Math.round(s.width) : DEFAULT_BOUNDS.width,
    height: finite(s.height) ? Math.round(s.height) : DEFAULT_BOUNDS.height,
    maximized: s.maximized === true,
  }
  if (finite(s.x) && finite(s.y)) {
    bounds.x = Math.round(s.x)
    bounds.y = Math.round(s.y)
  }
  return bounds
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

/**
 * Makes saved bounds usable on today's displays: sizes are clamped, and a position whose title bar is not
 * on any display (a monitor was unplugged) is dropped so the window is centred instead of lost off-screen.
 */
export function fitBounds(saved: WindowBounds, workAreas: readonly Rect[]): WindowBounds {
  const largest = workAreas.reduce<Rect | undefined>(
    (best, area) => (best && best.width * best.height >= area.width * area.height ? best : area),
    undefined,
  )
  const maxW = largest ? Math.max(MIN_SIZE.width, largest.width) : Number.POSITIVE_INFINITY
  const maxH = largest ? Math.max(MIN_SIZE.height, largest.height) : Number.POSITIVE_INFINITY
  const width = Math.min(Math.max(saved.width, MIN_SIZE.width), maxW)
  const height = Math.min(Math.max(saved.height, MIN_SIZE.height), maxH)
  const fitted: WindowBounds = { width, height, maximized: saved.maximized }
  if (saved.x === undefined || saved.y === undefined) return fitted
  const titleBar: Rect = { x: saved.x, y: saved.y, width, height: 32 }
  const visible = workAreas.some((area) => overlap(titleBar, area) >= Math.min(width, 100) * 16)
  if (visible) {
    fitted.x = saved.x
    fitted.y = saved.y
  }
  return fitted
}
