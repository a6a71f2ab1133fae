// HPACK header block encoding (RFC 7541 §6) with O(1) table look-ups: one encoder per connection direction.
import { DynamicTable } from './dynamic-table.ts'
import { huffmanEncode, huffmanEncodedLength } from './huffman.ts'
import { writeInteger } from './integer.ts'
import { STATIC_INDEX, STATIC_TABLE_LENGTH } from './static-table.ts'

/** Fields whose values must not enter any table, so an intermediary cannot probe them (§7.1.3). */
function isSensitive(name: string): boolean {
  return (
    name === 'authorization' || name === 'cookie' || name === 'set-cookie' || name === 'proxy-authorization'
  )
}

/** The dynamic entries of one name: insertion numbers of the newest entry and of each value's newest entry. */
interface DynamicName {
  newest: number
  readonly values: Map<string, number>
}

export class HpackEncoder {
  readonly #table: DynamicTable
  // Name → value → insertion number of the newest dynamic entry with that field; evictions remove their own.
  readonly #dynamicIndex = new Map<string, DynamicName>()
  // Size updates owed at the start of the next block (§4.2): the smallest size since the last block, then the final.
  #pendingMinSize = -1
  #pendingSize = -1
  #out = Buffer.allocUnsafe(1024)

  /** `tableSize`: the peer's SETTINGS_HEADER_TABLE_SIZE (default 4096). */
  constructor(tableSize = 4096) {
    this.#table = new DynamicTable(tableSize, (name, value, insertion) => {
      const slot = this.#dynamicIndex.get(name)!
      // Entries leave oldest first: when a name's newest entry goes, all of that name's entries are gone.
      if (slot.newest === insertion) this.#dynamicIndex.delete(name)
      else if (slot.values.get(value) === insertion) slot.values.delete(value)
    })
  }

  /** Sum of the dynamic entries' sizes (§4.1). */
  get tableSize(): number {
    return this.#table.size
  }

  /** Number of dynamic entries. */
  get tableLength(): number {
    return this.#table.length
  }

  /** Dynamic entries, newest (index 62) first. */
  entries(): [name: string, value: string][] {
    return this.#table.entries()
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE changed: the next block starts with a size update (§4.2, §6.3). */
  setPeerMaxTableSize(n: number): void {
    this.#pendingMinSize = this.#pendingMinSize < 0 ? n : Math.min(this.#pendingMinSize, n)
    this.#pendingSize = n
  }

  /**
   * One header block for name, value, name, value… (names already lower-case, strings latin1).
   * Returns a view of a buffer the encoder reuses: valid only until the next encode(), so copy it at once.
   */
  encode(fields: readonly string[]): Buffer {
    let o = 0
    if (this.#pendingSize >= 0) {
      this.#ensure(0, 12)
      if (this.#pendingMinSize < this.#pendingSize) o = this.#sizeUpdate(this.#pendingMinSize, o)
      o = this.#sizeUpdate(this.#pendingSize, o)
      this.#pendingMinSize = -1
      this.#pendingSize = -1
    }
    const table = this.#table
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i]!
      const value = fields[i + 1]!
      // Worst case: three integers of up to 6 octets, an octet per character (Huffman is used only when shorter).
      const out = this.#ensure(o, 20 + name.length + value.length)
      const sensitive = isSensitive(name)
      const staticName = STATIC_INDEX.get(name)
      const staticIndex = sensitive ? undefined : staticName?.values.get(value)
      if (staticIndex !== undefined) {
        o = writeInteger(out, o, 0x80, 7, staticIndex)
        continue
      }
      const dynamicName = this.#dynamicIndex.get(name)
      const dynamicIndex = sensitive ? 0 : this.#indexOf(dynamicName?.values.get(value))
      if (dynamicIndex !== 0) {
        o = writeInteger(out, o, 0x80, 7, dynamicIndex)
        continue
      }
      const nameIndex = staticName?.index ?? this.#indexOf(dynamicName?.newest)
      const size = name.length + value.length + 32
      if (sensitive) {
        o = writeInteger(out, o, 0x10, 4, nameIndex) // §6.2.3 never indexed
      } else if (size <= table.maxSize >> 2) {
        o = writeInteger(out, o, 0x40, 6, nameIndex) // §6.2.1 incremental indexing
        const insertion = table.insertions
        table.add(name, value)
        this.#indexed(dynamicName, name, value, insertion)
      } else {
        o = writeInteger(out, o, 0x00, 4, nameIndex) // §6.2.2 without indexing: too large to be worth a slot
      }
      if (nameIndex === 0) o = writeString(out, o, name)
      o = writeString(out, o, value)
    }
    return this.#out.subarray(0, o)
  }

  /** HPACK index of a dynamic entry by insertion number; 0 for none. */
  #indexOf(insertion: number | undefined): number {
    return insertion === undefined ? 0 : STATIC_TABLE_LENGTH + this.#table.insertions - insertion
  }

  #indexed(slot: DynamicName | undefined, name: string, value: string, insertion: number): void {
    // The slot read before adding may have been dropped by the evictions the addition caused.
    let current = slot
    if (current === undefined || !this.#dynamicIndex.has(name)) {
      current = { newest: insertion, values: new Map() }
      this.#dynamicIndex.set(name, current)
    }
    current.newest = insertion
    current.values.set(value, insertion)
  }

  #sizeUpdate(size: number, o: number): number {
    this.#table.setMaxSize(size)
    return writeInteger(this.#out, o, 0x20, 5, size)
  }

  /** The output buffer with room for `more` octets after `used`, grown (and copied) when needed. */
  #ensure(used: number, more: number): Buffer {
    if (this.#out.length - used < more) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.#out.length, used + more))
      this.#out.copy(grown, 0, 0, used)
      this.#out = grown
    }
    return this.#out
  }
}

/** §5.2 string literal, Huffman-coded when that is shorter. */
function writeString(out: Buffer, o: number, s: string): number {
  const huffmanLength = huffmanEncodedLength(s)
  if (huffmanLength < s.length) {
    o = writeInteger(out, o, 0x80, 7, huffmanLength)
    return huffmanEncode(s, out, o)
  }
  o = writeInteger(out, o, 0x00, 7, s.length)
  return o + out.write(s, o, 'latin1')
}
