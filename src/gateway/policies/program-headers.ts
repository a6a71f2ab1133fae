// The `Header` objects a program sees (Go's http.Header methods: Get, Set, Add, Del). The request's
// writes become the exchange's upstream header changes (the client's own fields stay as they came, for
// the inspector); the response's are kept as edits the exchange applies to whatever answer goes out.
import type { ProxyContext } from './interceptor.ts'
import { ResponseHeaderEdits } from './response-header-edits.ts'

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// CR, LF and NUL would split or end a header line.
const BAD_VALUE = /[\r\n\0]/

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
    const [key, text] = checked(name, value)
    this.#changes()[key] = text
  }

  Add(name: unknown, value: unknown): void {
    const [key, text] = checked(name, value)
    const have = this.Get(key)
    this.#changes()[key] = have === '' ? text : `${have}, ${text}`
  }

  Del(name: unknown): void {
    const [key] = checked(name)
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
    this.#edits().set(...checked(name, value))
  }

  Add(name: unknown, value: unknown): void {
    this.#edits().add(...checked(name, value))
  }

  Del(name: unknown): void {
    this.#edits().del(checked(name)[0])
  }

  #edits(): ResponseHeaderEdits {
    this.#ctx.responseHeaderEdits ??= new ResponseHeaderEdits()
    return this.#ctx.responseHeaderEdits
  }
}
