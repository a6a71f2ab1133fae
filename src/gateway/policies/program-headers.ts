// The `Header` objects a program sees (Go's http.Header methods: Get, Set, Add, Del). The request's
// writes become the exchange's upstream header changes (the client's own fields stay as they came, for
// the inspector); the response's are kept as edits the exchange applies to whatever answer goes out.
import { HOP_BY_HOP } from '../http/hop-headers.ts'
import type { ProxyContext } from './interceptor.ts'
import { ResponseHeaderEdits } from './response-header-edits.ts'

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// CR, LF and NUL would split or end a header line.
const BAD_VALUE = /[\r\n\0]/

/**
 * Fields that frame the message or belong to one connection: the gateway writes them itself. A program
 * that set `Content-Length` on a GET would make the upstream wait for a body that never comes, and the
 * next request on that kept-alive connection would be read as its body.
 */
const NOT_WRITABLE = new Set([...HOP_BY_HOP, 'content-length', 'host', 'trailer'])

/** A name a program may write (Set, Add, Del). */
function writable(name: unknown, value?: unknown): [string, string] {
  const checkedPair = checked(name, value)
  if (NOT_WRITABLE.has(checkedPair[0]))
    throw new Error(`header ${checkedPair[0]} is written by the gateway; a program cannot change it`)
  return checkedPair
}

function checked(name: unknown, value?: unknown): [string, string] {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new Error(`invalid header name ${String(name)}`)
  const text = value === undefined ? '' : typeof value === 'string' ? value : String(value)
  if (BAD_VALUE.test(text)) throw new Error(`invalid value for header ${name}`)
  return [name.toLowerCase(), text]
}

/** `request.Header`: reads the client's fields as changed so far; writes change what goes upstream. */
export class RequestHeader {
  readonly #ctx: ProxyContext

  constructor(ctx: ProxyContext) {
    this.#ctx = ctx
  }

  Get(name: unknown): string {
    const [key] = checked(name)
    const changes = this.#ctx.upstreamHeaderChanges
    if (changes !== undefined && Object.hasOwn(changes, key)) return changes[key] ?? ''
    const v = this.#ctx.req.headers[key]
    return Array.isArray(v) ? (v[0] ?? '') : (v ?? '')
  }

  Set(name: unknown, value: unknown): void {
    const [key, text] = writable(name, value)
    this.#changes()[key] = text
  }

  Add(name: unknown, value: unknown): void {
    const [key, text] = writable(name, value)
    const have = this.Get(key)
    this.#changes()[key] = have === '' ? text : `${have}, ${text}`
  }

  Del(name: unknown): void {
    const [key] = writable(name)
    this.#changes()[key] = undefined
  }

  #changes(): Record<string, string | undefined> {
    this.#ctx.upstreamHeaderChanges ??= {}
    return this.#ctx.upstreamHeaderChanges
  }
}

/** `response.Header`: the same methods, recorded as edits on the request's context. */
export class ResponseHeader {
  readonly #ctx: ProxyContext

  constructor(ctx: ProxyContext) {
    this.#ctx = ctx
  }

  Get(name: unknown): string {
    return this.#ctx.responseHeaderEdits?.get(checked(name)[0]) ?? ''
  }

  Set(name: unknown, value: unknown): void {
    this.#edits().set(...writable(name, value))
  }

  Add(name: unknown, value: unknown): void {
    this.#edits().add(...writable(name, value))
  }

  Del(name: unknown): void {
    this.#edits().del(writable(name)[0])
  }

  #edits(): ResponseHeaderEdits {
    this.#ctx.responseHeaderEdits ??= new ResponseHeaderEdits()
    return this.#ctx.responseHeaderEdits
  }
}
