// The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of fields bounded by the sum of their sizes
// (name octets + value octets + 32), kept in a ring so adding and evicting never move entries.

/** Called for each evicted entry, oldest first; `insertion` numbers entries 0, 1, 2… in order of adding. */
export type EvictionListener = (name: string, value: string, insertion: number) => void

export class DynamicTable {
  #names: string[] = new Array<string>(32).fill('')
  #values: string[] = new Array<string>(32).fill('')
  #mask = 31
  #length = 0
  #size = 0
  #maxSize: number
  #insertions = 0
  readonly #onEvict: EvictionListener | undefined

  constructor(maxSize: number, onEvict?: EvictionListener) {
    this.#maxSize = maxSize
    this.#onEvict = onEvict
  }

  /** Entries in the table. */
  get length(): number {
    return this.#length
  }

  /** Sum of the entries' sizes (§4.1). */
  get size(): number {
    return this.#size
  }

  get maxSize(): number {
    return this.#maxSize
  }

  /** Entries ever added; the newest has insertion number `insertions - 1`. */
  get insertions(): number {
    return this.#insertions
  }

  /** Name of the entry at dynamic position `i` (0 = newest; HPACK index 62 + i); the caller checks i < length. */
  name(i: number): string {
    return this.#names[(this.#insertions - 1 - i) & this.#mask]!
  }

  value(i: number): string {
    return this.#values[(this.#insertions - 1 - i) & this.#mask]!
  }

  /** Adds a field, evicting the oldest entries to make room; a field larger than the table empties it (§4.4). */
  add(name: string, value: string): void {
    const size = name.length + value.length + 32
    if (size > this.#maxSize) {
      this.#evictTo(0)
      return
    }
    this.#evictTo(this.#maxSize - size)
    if (this.#length === this.#names.length) this.#grow()
    const slot = this.#insertions & this.#mask
    this.#names[slot] = name
    this.#values[slot] = value
    this.#insertions++
    this.#length++
    this.#size += size
  }

  /** A new maximum size (§4.3): evicts until the entries fit. */
  setMaxSize(maxSize: number): void {
    this.#maxSize = maxSize
    this.#evictTo(maxSize)
  }

  /** [name, value] pairs, newest first: for tests and diagnostics. */
  entries(): [name: string, value: string][] {
    const list: [string, string][] = []
    for (let i = 0; i < this.#length; i++) list.push([this.name(i), this.value(i)])
    return list
  }

  #evictTo(maxSize: number): void {
    while (this.#size > maxSize) {
      const insertion = this.#insertions - this.#length
      const slot = insertion & this.#mask
      const name = this.#names[slot]!
      const value = this.#values[slot]!
      this.#names[slot] = ''
      this.#values[slot] = ''
      this.#length--
      this.#size -= name.length + value.length + 32
      this.#onEvict?.(name, value, insertion)
    }
  }

  #grow(): void {
    const capacity = this.#names.length * 2
    const names = new Array<string>(capacity).fill('')
    const values = new Array<string>(capacity).fill('')
    for (let insertion = this.#insertions - this.#length; insertion < this.#insertions; insertion++) {
      names[insertion & (capacity - 1)] = this.#names[insertion & this.#mask]!
      values[insertion & (capacity - 1)] = this.#values[insertion & this.#mask]!
    }
    this.#names = names
    this.#values = values
    this.#mask = capacity - 1
  }
}
