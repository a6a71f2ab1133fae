// A kept body as the inspector shows it: JSON pretty-printed, text as text, anything else as its size
// and a hex head; secrets redacted; a note when it is cut or was dropped. Built when a reader asks.
import type { BodyView } from '../model/index.ts'
import type { Redactor } from './redaction.ts'

const HEX_HEAD_BYTES = 256
const TEXT_TYPE =
  /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-ndjson)\b)/i
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b|^application\/x-ndjson\b/i

export interface BodyFacts {
  /** The kept bytes (undefined: none kept, or dropped to stay in budget). */
  readonly bytes: Buffer | undefined
  /** Bytes that passed. */
  readonly size: number
  readonly contentType: string | undefined
  /** Content-Encoding (gzip, br…): the kept bytes are encoded, shown as binary. */
  readonly contentEncoding: string | undefined
  /** The bytes were kept once but dropped since (the inspector's memory budget). */
  readonly dropped: boolean
  /** The cap in force (0: capture off). */
  readonly limit: number
}

const EMPTY: BodyView = { size: 0, captured: 0, kind: 'none', truncated: false }

export function bodyView(facts: BodyFacts, redactor: Redactor): BodyView {
  const { bytes, size, contentType } = facts
  if (size === 0) return EMPTY
  if (bytes === undefined) {
    const note = facts.dropped
      ? "not kept: the inspector holds and copies at most inspector.bodyBudget of bodies (in all, and per second): newer or less busy seconds' bodies are kept"
      : facts.limit === 0
        ? 'not kept: inspector.bodyLimit is 0'
        : 'not kept'
    return { size, captured: 0, kind: 'none', truncated: true, note }
  }
  const truncated = size > bytes.length
  const stream = contentType !== undefined && /^text\/event-stream/i.test(contentType)
  const cutNote = truncated
    ? `${stream ? 'a streaming response: ' : ''}the first ${bytes.length} of ${size} bytes are kept (inspector.bodyLimit)`
    : undefined
  const base = { size, captured: bytes.length, truncated, ...(cutNote ? { note: cutNote } : {}) }
  const encoded = facts.contentEncoding !== undefined && !/^\s*identity\s*$/i.test(facts.contentEncoding)
  if (encoded || !looksLikeText(bytes, contentType)) {
    const why = encoded ? `${facts.contentEncoding}-encoded` : 'binary'
    return {
      ...base,
      kind: 'binary',
      hexHead: hexHead(bytes),
      note: base.note ?? `${why}: size and first bytes`,
    }
  }
  // A cut may split a UTF-8 sequence: the decoder's replacement character marks it.
  const text = bytes.toString('utf8')
  if (contentType !== undefined && JSON_TYPE.test(contentType)) {
    if (!truncated) {
      try {
        const parsed = redactor.json(JSON.parse(text))
        return { ...base, kind: 'json', text: JSON.stringify(parsed.value, null, 2) }
      } catch {}
    }
    return { ...base, kind: 'json', text: redactor.jsonText(text) }
  }
  if (contentType !== undefined && /^application\/x-www-form-urlencoded/i.test(contentType))
    return { ...base, kind: 'text', text: redactor.form(text) }
  return { ...base, kind: 'text', text: redactor.jsonText(text) }
}

function looksLikeText(bytes: Buffer, contentType: string | undefined): boolean {
  if (contentType !== undefined && TEXT_TYPE.test(contentType)) return true
  if (contentType !== undefined && contentType !== '') return false
  // No type: text when the head has no control bytes but tab, CR and LF.
  const n = Math.min(bytes.length, 512)
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number
    if (b < 9 || (b > 13 && b < 32) || b === 127) return false
  }
  return true
}

/** `0000  7b 22 61 …  |{"a…|` lines of 16 bytes. */
export function hexHead(bytes: Buffer): string {
  const head = bytes.subarray(0, HEX_HEAD_BYTES)
  const lines: string[] = []
  for (let at = 0; at < head.length; at += 16) {
    const row = head.subarray(at, at + 16)
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    const ascii = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${at.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  |${ascii}|`)
  }
  return lines.join('\n')
}
