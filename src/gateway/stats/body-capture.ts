// A body's first bytes as they pass on their way (to the upstream or the client), copied straight
// into the inspector's arena: no buffer of its own, never converted on the way, and nothing done
// past the cap but counting.
import type { BodyArena } from './body-arena.ts'

/** What the proxy reads per request: the cap (0: capture is off) and where bodies go. */
export interface CaptureSettings {
  bodyLimit: number
  arena: BodyArena
}

export class BodyCapture {
  readonly arena: BodyArena
  readonly limit: number
  /** The size the sender announced (content-length), or -1: the reservation's size. */
  readonly expected: number
  /** Bytes that passed. */
  seen = 0
  /** Bytes kept, at `offset` in the arena. */
  kept = 0
  /** The arena reservation (0: none yet, or none possible). */
  token = 0
  offset = 0
  /** Bytes reserved; the arena refused or overwrote the reservation. */
  private reserved = 0
  lost = false

  constructor(arena: BodyArena, limit: number, expected = -1) {
    this.arena = arena
    this.limit = limit
    this.expected = expected
  }

  add(chunk: Buffer): void {
    const n = chunk.length
    this.seen += n
    if (this.lost || n === 0) return
    if (this.token === 0) {
      // The announced size when it fits the cap (all of it, never more), else the cap.
      const size = this.expected > 0 && this.expected < this.limit ? this.expected : this.limit
      this.token = this.arena.reserve(size)
      this.offset = this.arena.lastOffset
      this.reserved = this.token === 0 ? 0 : size
      if (this.token === 0) {
        this.lost = true
        return
      }
    }
    const room = this.reserved - this.kept
    if (room <= 0) return
    // A long stream may outlive its reservation (newer bodies overwrote it): keep nothing more then.
    if (!this.arena.isLive(this.token)) {
      this.lost = true
      return
    }
    const take = n < room ? n : room
    this.arena.copyIn(chunk, 0, take, this.offset + this.kept)
    this.kept += take
  }
}

/** A capture of `buffer`, a body a policy already holds in full: its first `limit` bytes go in now. */
export function captureOf(arena: BodyArena, buffer: Buffer, limit: number): BodyCapture {
  const c = new BodyCapture(arena, limit, buffer.length)
  c.add(buffer)
  return c
}
