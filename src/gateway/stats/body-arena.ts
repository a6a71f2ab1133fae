// Where the request inspector keeps bodies: one circular log of at most `capacity` bytes, in 1 MiB
// pages allocated as it fills. A body's bytes are copied straight in as they pass (a reservation per
// body, so bodies streaming at once do not interleave), after the last one, over the oldest: the
// oldest bodies go first and the memory held is the budget, never more (per-body buffers grew the
// RSS to three times the budget under churn, and cost a second copy).
const PAGE = 1024 * 1024

export class BodyArena {
  readonly capacity: number
  private readonly pages: Buffer[] = []
  /** Where the next reservation goes. */
  private head = 0
  // The reservations still readable, oldest first: a deque of (offset, length, token, owner). Tokens
  // are handed out in order, so a token's place is `first + token - tokens[first]`.
  private offsets: number[] = []
  private lengths: number[] = []
  private tokens: number[] = []
  private owners: number[] = []
  private first = 0
  private lastToken = 0
  /** Bytes reserved by the bodies still readable. */
  used = 0
  /** Where the last reservation went. */
  lastOffset = 0
  /** Told each body overwritten that has an owner (>= 0): its token and owner. */
  private readonly onDrop: (token: number, owner: number) => void
  /**
   * With a clock, at most `capacity` bytes are reserved per second: a burst faster than that would
   * overwrite its own bodies before anyone could open them, so copying them only costs the proxy
   * (a load test through the gateway paid 11 % of its throughput at 64 KiB for bodies nobody saw).
   */
  private readonly now: (() => number) | undefined
  private second = -1
  private reservedThisSecond = 0

  constructor(
    capacity: number,
    onDrop: (token: number, owner: number) => void,
    now: (() => number) | undefined = undefined,
  ) {
    this.capacity = Math.max(0, Math.floor(capacity))
    this.onDrop = onDrop
    this.now = now
  }

  /**
   * Room for `n` bytes; returns its token (> 0; `lastOffset` says where), or 0 when it cannot fit
   * (larger than the arena, or this second's bytes are spent).
   */
  reserve(n: number, owner = -1): number {
    if (n <= 0 || n > this.capacity) return 0
    if (this.now !== undefined) {
      const second = Math.floor(this.now() / 1000)
      if (second !== this.second) {
        this.second = second
        this.reservedThisSecond = 0
      }
      if (this.reservedThisSecond + n > this.capacity) return 0
      this.reservedThisSecond += n
    }
    if (this.head + n > this.capacity) {
      // No room before the end: what lies there is the oldest; drop it and start over at 0.
      this.dropFrom(this.head, this.capacity)
      this.head = 0
    }
    const at = this.head
    this.dropFrom(at, at + n)
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

  /** A reservation is readable until newer ones overwrite it. */
  isLive(token: number): boolean {
    return token > 0 && this.first < this.tokens.length && token >= (this.tokens[this.first] as number)
  }

  /** Copies `bytes[from, to)` to `offset` (inside a live reservation). */
  copyIn(bytes: Buffer, from: number, to: number, offset: number): void {
    let done = from
    let at = offset
    while (done < to) {
      const i = Math.floor(at / PAGE)
      let page = this.pages[i]
      if (page === undefined) {
        // The last page holds only what the capacity needs.
        page = Buffer.allocUnsafeSlow(Math.min(PAGE, this.capacity - i * PAGE))
        this.pages[i] = page
      }
      const into = at % PAGE
      const n = Math.min(to - done, page.length - into)
      bytes.copy(page, into, done, done + n)
      done += n
      at += n
    }
  }

  /**
   * The body of a live reservation is complete at `length` bytes and belongs to `owner`: the rest
   * of the reservation is given back when nothing was reserved after it.
   */
  settle(token: number, length: number, owner: number): void {
    const i = this.first + token - (this.tokens[this.first] as number)
    this.owners[i] = owner
    const reserved = this.lengths[i] as number
    if (length >= reserved) return
    this.lengths[i] = length
    this.used -= reserved - length
    // A body smaller than its reservation (no content-length) counts for what it holds.
    this.reservedThisSecond = Math.max(0, this.reservedThisSecond - (reserved - length))
    if (token === this.lastToken) this.head = (this.offsets[i] as number) + length
  }

  /** A copy of `length` bytes at `offset` (the caller knows its token is still live). */
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

  /** Drops the oldest reservations while they lie in [from, to): they are in offset order ahead of `head`. */
  private dropFrom(from: number, to: number): void {
    while (this.first < this.offsets.length) {
      const offset = this.offsets[this.first] as number
      if (offset < from || offset >= to) break
      this.used -= this.lengths[this.first] as number
      const owner = this.owners[this.first] as number
      if (owner >= 0) this.onDrop(this.tokens[this.first] as number, owner)
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
}
