// Where the request inspector keeps bodies: one circular log of at most `capacity` bytes, in 1 MiB
// pages allocated as it fills. A new body is written after the last one and overwrites the oldest, so
// the oldest bodies go first and the memory held is the budget, never more: no buffer per body for the
// allocator to scatter (per-body buffers grew the RSS to three times the budget under churn).
const PAGE = 1024 * 1024

export class BodyArena {
  readonly capacity: number
  private readonly pages: Buffer[] = []
  /** Where the next body goes. */
  private head = 0
  // The bodies still readable, oldest first: a deque of (offset, length, token, owner).
  private offsets: number[] = []
  private lengths: number[] = []
  private tokens: number[] = []
  private owners: number[] = []
  private first = 0
  private lastToken = 0
  /** Bytes of the bodies still readable. */
  used = 0
  /** Told each body overwritten: its token and the owner it was written for. */
  private readonly onDrop: (token: number, owner: number) => void

  constructor(capacity: number, onDrop: (token: number, owner: number) => void) {
    this.capacity = Math.max(0, Math.floor(capacity))
    this.onDrop = onDrop
  }

  /** Where the last body written went. */
  lastOffset = 0

  /** Stores `bytes[0, n)`; returns its token (> 0; `lastOffset` says where), or 0 when it cannot fit. */
  write(bytes: Buffer, n: number, owner: number): number {
    if (n === 0 || n > this.capacity) return 0
    if (this.head + n > this.capacity) {
      // No room before the end: what lies there is the oldest; drop it and start over at 0.
      this.dropFrom(this.head, this.capacity)
      this.head = 0
    }
    const at = this.head
    this.dropFrom(at, at + n)
    this.copyIn(bytes, n, at)
    this.head = at + n
    const token = ++this.lastToken
    this.offsets.push(at)
    this.lengths.push(n)
    this.tokens.push(token)
    this.owners.push(owner)
    this.used += n
    this.lastOffset = at
    return token
  }

  /** A copy of the body at `offset` (the caller knows its token is still live). */
  read(offset: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const at = offset + done
      const page = this.pages[Math.floor(at / PAGE)] as Buffer
      const from = at % PAGE
      const n = Math.min(length - done, PAGE - from)
      page.copy(out, done, from, from + n)
      done += n
    }
    return out
  }

  /** Drops the oldest bodies while they lie in [from, to): bodies are in offset order ahead of `head`. */
  private dropFrom(from: number, to: number): void {
    while (this.first < this.offsets.length) {
      const offset = this.offsets[this.first] as number
      if (offset < from || offset >= to) break
      this.used -= this.lengths[this.first] as number
      this.onDrop(this.tokens[this.first] as number, this.owners[this.first] as number)
      this.first++
    }
    // Compact now and then so the deque does not grow without end.
    if (this.first > 1024 && this.first * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.first)
      this.lengths = this.lengths.slice(this.first)
      this.tokens = this.tokens.slice(this.first)
      this.owners = this.owners.slice(this.first)
      this.first = 0
    }
  }

  private copyIn(bytes: Buffer, length: number, offset: number): void {
    let done = 0
    while (done < length) {
      const at = offset + done
      const i = Math.floor(at / PAGE)
      let page = this.pages[i]
      if (page === undefined) {
        // The last page holds only what the capacity needs.
        page = Buffer.allocUnsafeSlow(Math.min(PAGE, this.capacity - i * PAGE))
        this.pages[i] = page
      }
      const from = at % PAGE
      const n = Math.min(length - done, page.length - from)
      bytes.copy(page, from, done, done + n)
      done += n
    }
  }
}
