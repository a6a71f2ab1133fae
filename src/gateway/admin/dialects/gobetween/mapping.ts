// A gobetween server definition (`[servers.<name>]` as JSON): checked, completed with gobetween's
// defaults (what GET shows), and turned into L4 server options. TCP, UDP and TLS-terminating TCP.
import {
  BALANCE_KINDS,
  type BalanceKind,
  type TcpServerOptions,
  type UdpServerOptions,
} from '../../../l4/index.ts'
import { goDurationMs } from '../go-duration.ts'
import { parseTlsTable, type TlsTable } from './tls-table.ts'
import { invalid, unsupported } from './errors.ts'

export type ServerDef = Record<string, unknown> & {
  bind: string
  protocol: string
  balance: string | Record<string, unknown>
  discovery: Record<string, unknown> & { kind: string; static_list: string[] }
}

/** What starts the server: the protocol says which L4 server takes the options. */
export type ServerOptions =
  | ({ readonly protocol: 'tcp' } & TcpServerOptions)
  | ({ readonly protocol: 'udp' } & UdpServerOptions)
  /** TCP options plus the `tls` table, whose files are read when the server starts (tlsOptionsOf). */
  | ({ readonly protocol: 'tls'; readonly tlsTable: TlsTable } & TcpServerOptions)

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

const KNOWN = [
  'bind',
  'protocol',
  'balance',
  'max_connections',
  'client_idle_timeout',
  'backend_idle_timeout',
  'backend_connection_timeout',
  'discovery',
  'healthcheck',
  'access',
  'sni',
  'tls',
  'backends_tls',
  'udp',
  'proxy_protocol',
]

/** Fields gobetween documents that Sallyport refuses, each with what is missing. */
const NOT_DONE = [
  ['sni', 'do not route by SNI'],
  ['backends_tls', 'connect to backends without TLS'],
  ['proxy_protocol', 'do not send the PROXY protocol'],
] as const

function duration(o: Obj, key: string, fallback: string): string {
  const v = o[key] ?? fallback
  if (typeof v !== 'string' || goDurationMs(v) === undefined)
    throw invalid(`${key}: must be a duration such as "10m" or "5s"`)
  return v
}

export function splitBind(bind: string): { host: string; port: number; given: string } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]*):(\d{1,5})$/.exec(bind)
  if (!m || Number(m[2]) > 65535) throw invalid(`bind: "${bind}" is not host:port`)
  // An empty host means every interface in gobetween; a local-dev gateway keeps it on loopback.
  const host = (m[1] as string).replace(/^\[|\]$/g, '') || '127.0.0.1'
  return { host: host === 'localhost' ? '127.0.0.1' : host, port: Number(m[2]), given: host }
}

export function parseBackend(line: string): { host: string; port: number; weight: number; priority: number } {
  const [addr = '', ...opts] = line.trim().split(/\s+/)
  const { given: host, port } = splitBind(addr)
  if (port === 0) throw invalid(`discovery.static_list: "${line}" needs a port`)
  let weight = 1
  let priority = 1
  for (const opt of opts) {
    const m = /^(weight|priority)=(\d+)$/.exec(opt)
    if (!m) throw invalid(`discovery.static_list: "${line}": unknown option ${opt} (use weight=N priority=N)`)
    if (m[1] === 'weight') weight = Number(m[2])
    else priority = Number(m[2])
  }
  return { host, port, weight, priority }
}

function count(o: Obj, key: string, path: string): number {
  const v = o[key] ?? 0
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalid(`${path}: must be an integer ≥ 0`)
  return v
}

/** `[servers.<name>.udp]`: max_requests / max_responses per session, 0 for no limit (gobetween's default). */
function parseUdp(body: Obj, protocol: string): { max_requests: number; max_responses: number } | undefined {
  if (protocol !== 'udp') {
    if (body.udp !== undefined) throw invalid('udp: only for protocol "udp"')
    return undefined
  }
  const udp = body.udp ?? {}
  if (!isObj(udp)) throw invalid('udp: must be an object such as {"max_requests": 1, "max_responses": 1}')
  for (const k of Object.keys(udp))
    if (k !== 'max_requests' && k !== 'max_responses') throw invalid(`udp.${k}: unknown field`)
  return {
    max_requests: count(udp, 'max_requests', 'udp.max_requests'),
    max_responses: count(udp, 'max_responses', 'udp.max_responses'),
  }
}

export function parseServerDef(body: unknown): { def: ServerDef; options: ServerOptions } {
  if (!isObj(body)) throw invalid('the server definition must be a JSON object')
  for (const k of Object.keys(body)) if (!KNOWN.includes(k)) throw invalid(`${k}: unknown field`)
  if (typeof body.bind !== 'string') throw invalid('bind: required, as "host:port"')
  const { host, port } = splitBind(body.bind)
  const protocol = body.protocol ?? 'tcp'
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'tls')
    throw invalid(`protocol: must be tcp, udp or tls`)
  const udp = parseUdp(body, protocol)
  const tls = parseTlsTable(body, protocol)
  for (const [field, what] of NOT_DONE)
    if (body[field] !== undefined)
      throw unsupported(`${field}: not supported; Sallyport's L4 servers ${what}`)
  const rawBalance = body.balance ?? 'weight'
  const kind = isObj(rawBalance) ? rawBalance.kind : rawBalance
  if (typeof kind !== 'string' || !(BALANCE_KINDS as readonly string[]).includes(kind))
    throw invalid(`balance: must be one of ${BALANCE_KINDS.join(', ')}`)
  const max = count(body, 'max_connections', 'max_connections')
  if (!isObj(body.discovery))
    throw invalid('discovery: required, e.g. {"kind": "static", "static_list": ["localhost:8000"]}')
  const d = body.discovery
  const dkind = d.kind ?? 'static'
  if (dkind !== 'static')
    throw unsupported(`discovery kind "${String(dkind)}" is not supported; use "static" with static_list`)
  if (
    !Array.isArray(d.static_list) ||
    d.static_list.length === 0 ||
    !d.static_list.every((x) => typeof x === 'string')
  )
    throw invalid('discovery.static_list: must be a non-empty list of "host:port weight=N" strings')
  const backends = (d.static_list as string[]).map(parseBackend)
  const failpolicy = d.failpolicy ?? 'keeplast'
  if (failpolicy !== 'keeplast' && failpolicy !== 'setempty')
    throw invalid('discovery.failpolicy: must be keeplast or setempty')
  let access: TcpServerOptions['access']
  if (body.access !== undefined) {
    if (!isObj(body.access)) throw invalid('access: must be an object')
    const def = body.access.default ?? 'allow'
    const rules = body.access.rules ?? []
    if (def !== 'allow' && def !== 'deny') throw invalid('access.default: must be allow or deny')
    if (
      !Array.isArray(rules) ||
      !rules.every(
        (r) => typeof r === 'string' && /^(allow|deny)\s+[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(r.trim()),
      )
    )
      throw invalid('access.rules: each rule is "allow <ip or cidr>" or "deny <ip or cidr>"')
    access = { default: def, rules: rules as string[] }
  }
  if (body.healthcheck !== undefined) {
    if (!isObj(body.healthcheck)) throw invalid('healthcheck: must be an object')
    const hk = body.healthcheck.kind ?? 'none'
    if (hk !== 'none' && hk !== 'ping')
      throw unsupported(`healthcheck kind "${String(hk)}" is not supported; use "ping" or "none"`)
  }
  const def: ServerDef = {
    ...body,
    bind: body.bind,
    protocol,
    ...(udp ? { udp } : {}),
    ...(tls ? { tls } : {}),
    balance: rawBalance as ServerDef['balance'],
    max_connections: max,
    client_idle_timeout: duration(body, 'client_idle_timeout', '0'),
    backend_idle_timeout: duration(body, 'backend_idle_timeout', '0'),
    backend_connection_timeout: duration(body, 'backend_connection_timeout', '0'),
    discovery: {
      ...d,
      kind: 'static',
      failpolicy,
      interval: duration(d, 'interval', '0'),
      timeout: duration(d, 'timeout', '0'),
      static_list: d.static_list as string[],
    },
  }
  const common = { host, port, balance: kind as BalanceKind, backends, access }
  const clientIdleTimeoutMs = goDurationMs(def.client_idle_timeout as string) ?? 0
  const backendIdleTimeoutMs = goDurationMs(def.backend_idle_timeout as string) ?? 0
  // A UDP session has one idle clock for both sides: the shorter of the two timeouts that are set.
  const idleSet = [clientIdleTimeoutMs, backendIdleTimeoutMs].filter((ms) => ms > 0)
  if (udp)
    return {
      def,
      options: {
        ...common,
        protocol: 'udp',
        maxSessions: max,
        idleTimeoutMs: idleSet.length > 0 ? Math.min(...idleSet) : 0,
        maxRequests: udp.max_requests,
        maxResponses: udp.max_responses,
      },
    }
  const tcp = {
    ...common,
    maxConnections: max,
    clientIdleTimeoutMs,
    backendIdleTimeoutMs,
    connectTimeoutMs: goDurationMs(def.backend_connection_timeout as string) ?? 0,
  }
  if (tls) return { def, options: { ...tcp, protocol: 'tls', tlsTable: tls } }
  return { def, options: { ...tcp, protocol: 'tcp' } }
}
