// HPACK header block decoding (RFC 7541 §6): one decoder per connection direction, fed whole blocks.
import { DynamicTable } from './dynamic-table.ts'
import { HpackError } from './hpack-error.ts'
import { huffmanDecode } from './huffman.ts'
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.ts'

export { HpackError } from './hpack-error.ts'

/** Largest integer accepted (§5.1 lets us pick a limit); larger ones, or longer encodings, are errors. */
const MAX_INTEGER = 2 ** 31 - 1
const MAX_CONTINUATION_OCTETS = 5
const EMPTY = Buffer.alloc(0)

export class HpackDecoder {
  readonly #table: DynamicTable
  #maxTableSize: number
  // Set when our limit fell below the table's current size: the next block must start with an update (§4.2).
  #updateRequired = false
  // The block being decoded, so the readers below need not return positions in objects.
  #buf: Buffer = EMPTY
  #pos = 0
  #end = 0

  /** `maxTableSize`: our SETTINGS_HEADER_TABLE_SIZE, the most a size update may ask for (default 4096). */
  constructor(maxTableSize = 4096) {
    this.#maxTableSize = maxTableSize
    this.#table = new DynamicTable(maxTableSize)
  }

  /**
   * Our SETTINGS_HEADER_TABLE_SIZE changed (call once the peer acknowledged it): size updates may ask for up
   * to `n`, and if `n` is below the table's current maximum the next block must start with one (§4.2).
   */
  setMaxTableSize(n: number): void {
    this.#maxTableSize = n
    if (n < this.#table.maxSize) this.#updateRequired = true
  }

  /** Sum of the dynamic entries' sizes (§4.1). */
  get tableSize(): number {
    return this.#table.size
  }

  /** Number of dynamic entries. */
  get tableLength(): number {
    return this.#table.length
  }

  /** The dynamic table's current maximum size (the last size update, else the setting). */
  get tableMaxSize(): number {
    return this.#table.maxSize
  }

  /** Dynamic entries, newest (index 62) first. */
  entries(): [name: string, value: string][] {
    return this.#table.entries()
  }

  /**
   * Decodes one complete header block (bytes start..end of buf). Appends name, value, name, value… to `out`
   * (names as sent: the session checks case and pseudo-headers). Returns false when the decoded list grew
   * past maxListSize (RFC 9113 §6.5.2 size: name.length + value.length + 32 per field): the rest of the
   * fields are then NOT appended but the block is still fully decoded so the dynamic table stays in sync.
   * Throws HpackError on any malformed input; the connection must then end (the table is out of sync).
   */
  decode(buf: Buffer, start: number, end: number, out: string[], maxListSize: number): boolean {
    this.#buf = buf
    this.#pos = start
    this.#end = end
    const table = this.#table
    let listSize = 0
    let fits = true
    let fieldSeen = false
    while (this.#pos < end) {
      const first = buf[this.#pos]!
      if (this.#updateRequired && (first & 0xe0) !== 0x20) {
        throw new HpackError(
          'the block does not start with the dynamic table size update owed (RFC 7541 §4.2)',
        )
      }
      let name: string
      let value: string
      if (first & 0x80) {
        // §6.1 indexed field
        const index = this.#integer(7)
        if (index === 0) throw new HpackError('index 0 in an indexed field (RFC 7541 §6.1)')
        name = this.#name(index)
        value =
          index <= STATIC_TABLE_LENGTH ? STATIC_VALUES[index]! : table.value(index - STATIC_TABLE_LENGTH - 1)
      } else if (first & 0x40) {
        // §6.2.1 literal with incremental indexing
        const index = this.#integer(6)
        name = index === 0 ? this.#string() : this.#name(index)
        value = this.#string()
        table.add(name, value)
      } else if (first & 0x20) {
        // §6.3 dynamic table size update: only before the first field (§4.2)
        if (fieldSeen) throw new HpackError('dynamic table size update after a field (RFC 7541 §4.2)')
        const size = this.#integer(5)
        if (size > this.#maxTableSize) {
          throw new HpackError(
            `dynamic table size update to ${size} exceeds the limit ${this.#maxTableSize} (RFC 7541 §6.3)`,
          )
        }
        table.setMaxSize(size)
        this.#updateRequired = false
        continue
      } else {
        // §6.2.2 without indexing (0000xxxx), §6.2.3 never indexed (0001xxxx)
        const index = this.#integer(4)
        if (!fits) {
          // Past the list limit and not entering the table: checked, but plain strings are not copied.
          if (index === 0) this.#string(true)
          else this.#name(index)
          this.#string(true)
          fieldSeen = true
          continue
        }
        name = index === 0 ? this.#string() : this.#name(index)
        value = this.#string()
      }
      fieldSeen = true
      if (!fits) continue
      listSize += name.length + value.length + 32
      if (listSize > maxListSize) fits = false
      else out.push(name, value)
    }
    this.#buf = EMPTY // not to keep the caller's buffer alive
    return fits
  }

  /** Name at an HPACK index (1-61 static, 62… dynamic). */
  #name(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_NAMES[index]!
    const position = index - STATIC_TABLE_LENGTH - 1
    if (position >= this.#table.length) {
      throw new HpackError(`index ${index} is past the end of the tables (RFC 7541 §2.3.3)`)
    }
    return this.#table.name(position)
  }

  /** §5.1 integer with an N-bit prefix, starting at the current octet. */
  #integer(prefixBits: number): number {
    const buf = this.#buf
    const max = (1 << prefixBits) - 1
    let value = buf[this.#pos++]! & max
    if (value < max) return value
    for (let shift = 0; shift < 7 * MAX_CONTINUATION_OCTETS; shift += 7) {
      if (this.#pos >= this.#end)
        throw new HpackError('integer runs past the end of the block (RFC 7541 §5.1)')
      const octet = buf[this.#pos++]!
      value += (octet & 0x7f) * 2 ** shift
      if (value > MAX_INTEGER) throw new HpackError('integer exceeds 2^31-1 (RFC 7541 §5.1)')
      if (!(octet & 0x80)) return value
    }
    throw new HpackError(
      `integer has more than ${MAX_CONTINUATION_OCTETS} continuation octets (RFC 7541 §5.1)`,
    )
  }

  /** §5.2 string literal: plain latin1 octets or Huffman-coded; `skip` leaves plain octets unread. */
  #string(skip = false): string {
    if (this.#pos >= this.#end)
      throw new HpackError('string literal missing at the end of the block (RFC 7541 §5.2)')
    const huffman = this.#buf[this.#pos]! & 0x80
    const length = this.#integer(7)
    const start = this.#pos
    if (length > this.#end - start) {
      throw new HpackError('string literal runs past the end of the block (RFC 7541 §5.2)')
    }
    this.#pos = start + length
    if (huffman) return huffmanDecode(this.#buf, start, start + length) // checked even when skipped
    return skip ? '' : this.#buf.toString('latin1', start, start + length)
  }
}
