// The host objects a service-management program sees, named as the original gateway names them
// (junqirao/api-gateway, internal/components/program/env.go): `request`, `upstream`, `logger`, the
// result of `jwt()`. Classes, so a program reaches their fields and methods and nothing else.
import type { TargetSpec } from '../config/route-spec.ts'
import { formatValue, isMap } from '../programs/index.ts'
import type { ProxyContext } from './interceptor.ts'
import { RequestHeader } from './program-headers.ts'
import { type ProgramLogLevel, publishProgramLog } from './program-log.ts'

/** Marks the `ctx` map, so `logger.Info(ctx, …)` (the original passes its context first) leaves it out. */
const CTX_MARK: unique symbol = Symbol('program ctx')

/** `ctx`: a map of the request's own (its trace id, route and service), fresh per request. */
export function requestCtx(ctx: ProxyContext, service: string): Record<string, unknown> {
  const map: Record<string | symbol, unknown> = Object.create(null)
  map.TraceId = ctx.traceId
  map.RouteId = ctx.routeId
  map.ServiceName = service
  map[CTX_MARK] = true
  return map as Record<string, unknown>
}

function plainIp(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

/** `request`: what the client sent; `Header` writes change what goes upstream. */
export class ProgramRequest {
  readonly ClientIP: string
  readonly RemoteAddr: string
  readonly Host: string
  readonly URL: string
  readonly Method: string
  readonly Header: RequestHeader

  constructor(ctx: ProxyContext, trustProxy: boolean) {
    const req = ctx.req
    const remote = plainIp(req.socket?.remoteAddress ?? '')
    this.RemoteAddr = remote
    // Behind a trusted proxy (server.trustProxy) the client is the first X-Forwarded-For entry.
    const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined
    const first = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined
    this.ClientIP = first ? plainIp(first) : remote
    this.Host = req.headers.host ?? req.headers[':authority']?.toString() ?? ''
    const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true
    this.URL = /^https?:\/\//i.test(ctx.url)
      ? ctx.url
      : `${encrypted ? 'https' : 'http'}://${this.Host}${ctx.url}`
    this.Method = ctx.method
    this.Header = new RequestHeader(ctx)
  }
}

/** `upstream`: the target the balancer chose (the original's registry instance). */
export class UpstreamView {
  readonly Id: string
  readonly Host: string
  readonly HostName: string
  readonly Port: number
  readonly ServiceName: string
  readonly Meta: Record<string, unknown>

  constructor(target: TargetSpec, metadata: Readonly<Record<string, string>> | undefined, service: string) {
    const url = new URL(target.origin)
    this.Id = target.id
    this.Host = url.hostname.replace(/^\[|\]$/g, '')
    this.HostName = metadata?.hostname ?? metadata?.host_name ?? this.Host
    this.Port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
    this.ServiceName = service
    this.Meta = Object.assign(Object.create(null), metadata ?? {})
    Object.freeze(this)
  }
}

/** What `jwt(header?)` gives: the verified claims, or why the token was not accepted. */
export class JwtResult {
  readonly Claims: Record<string, unknown>
  /** Why the token was refused; nil when it is valid. */
  readonly Err: string | null

  constructor(claims: Record<string, unknown> | undefined, err: string | null) {
    // Plain data only: a program reads the payload as maps and arrays.
    this.Claims = JSON.parse(JSON.stringify(claims ?? {}), (_k, v) =>
      isMap(v) ? Object.assign(Object.create(null), v) : v,
    )
    this.Err = err
  }

  /** An error value (stops the program with it) unless the token is valid. */
  MustSuccess(): Error | null {
    return this.Err === null ? null : new Error(`invalid token: ${this.Err}`)
  }
}

/** Go's fmt verbs the original's Infof/Warnf/Errorf take: %v %s %d %f %q %t %%, values by %v. */
function sprintf(format: unknown, args: readonly unknown[]): string {
  let i = 0
  return String(format).replace(/%([vsdfqt%])/g, (_m, verb: string) => {
    if (verb === '%') return '%'
    if (i >= args.length) return `%!${verb}(MISSING)`
    const v = args[i++]
    return verb === 'q' ? JSON.stringify(formatValue(v)) : formatValue(v)
  })
}

/** `logger`: lines into the gateway's log (rate bounded, program-log.ts); each call yields true. */
export class ProgramLogger {
  readonly #service: string
  readonly #program: string

  constructor(service: string, program: string) {
    this.#service = service
    this.#program = program
  }

  #log(level: ProgramLogLevel, args: readonly unknown[], formatted: boolean): boolean {
    publishProgramLog(level, this.#service, this.#program, () => {
      const values = isMap(args[0]) && (args[0] as Record<symbol, unknown>)[CTX_MARK] ? args.slice(1) : args
      return formatted ? sprintf(values[0], values.slice(1)) : values.map(formatValue).join(' ')
    })
    return true
  }

  Info(...args: unknown[]): boolean {
    return this.#log('info', args, false)
  }
  Warn(...args: unknown[]): boolean {
    return this.#log('warn', args, false)
  }
  Error(...args: unknown[]): boolean {
    return this.#log('error', args, false)
  }
  Infof(...args: unknown[]): boolean {
    return this.#log('info', args, true)
  }
  Warnf(...args: unknown[]): boolean {
    return this.#log('warn', args, true)
  }
  Errorf(...args: unknown[]): boolean {
    return this.#log('error', args, true)
  }
}
