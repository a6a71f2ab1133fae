// `[servers.<name>.tls]` of a `protocol = "tls"` server: checked and completed (what GET shows), turned
// into node:tls options, and its cert_path / key_path files read when the server is created.
import { constants } from 'node:crypto'
import type { TlsOptions } from 'node:tls'
// Straight from its file: the tls/ index would load the local CA's X.509 library at every start.
import { loadKeyPairFiles } from '../../../tls/key-pair-files.ts'
import { invalid, unsupported } from './errors.ts'

type Obj = Record<string, unknown>

export interface TlsTable {
  cert_path: string
  key_path: string
  min_version?: string
  max_version?: string
  ciphers?: string[]
  prefer_server_ciphers: boolean
  session_tickets: boolean
}

/** gobetween's version names (Go's crypto/tls); tls1.3 is Sallyport's addition. */
const VERSIONS: Record<string, TlsOptions['minVersion']> = {
  tls1: 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
}
const VERSION_ORDER = Object.keys(VERSIONS)

/** gobetween's cipher names (IANA, as Go spells them) → OpenSSL's. RC4 and 3DES are gone from OpenSSL 3. */
const CIPHERS: Record<string, string> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
}
// As in Go, `ciphers` restricts TLS 1.0–1.2 only; TLS 1.3 keeps its own suites.
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'

const FIELDS = [
  'cert_path',
  'key_path',
  'min_version',
  'max_version',
  'ciphers',
  'prefer_server_ciphers',
  'session_tickets',
  'acme_hosts',
]

function version(t: Obj, key: string): string | undefined {
  const v = t[key]
  if (v === undefined || v === '') return undefined
  if (v === 'ssl3') throw unsupported(`tls.${key}: ssl3 is not supported; use tls1, tls1.1, tls1.2 or tls1.3`)
  if (typeof v !== 'string' || !(v in VERSIONS))
    throw invalid(`tls.${key}: must be one of ${VERSION_ORDER.join(', ')}`)
  return v
}

function flag(t: Obj, key: string): boolean {
  const v = t[key] ?? false
  if (typeof v !== 'boolean') throw invalid(`tls.${key}: must be true or false`)
  return v
}

/** The table as GET shows it: gobetween's defaults filled in (tickets off, client's cipher order). */
export function parseTlsTable(body: Obj, protocol: string): TlsTable | undefined {
  if (protocol !== 'tls') {
    if (body.tls !== undefined) throw invalid('tls: only for protocol "tls"')
    return undefined
  }
  const t = body.tls
  if (typeof t !== 'object' || t === null || Array.isArray(t))
    throw invalid('tls: required for protocol "tls", e.g. {"cert_path": "cert.pem", "key_path": "key.pem"}')
  const table = t as Obj
  for (const k of Object.keys(table)) if (!FIELDS.includes(k)) throw invalid(`tls.${k}: unknown field`)
  if (table.acme_hosts !== undefined)
    throw unsupported('tls.acme_hosts: ACME is not supported; use cert_path and key_path')
  for (const k of ['cert_path', 'key_path'])
    if (typeof table[k] !== 'string' || table[k] === '')
      throw invalid(`tls.${k}: required, the path of a PEM file`)
  const min = version(table, 'min_version')
  const max = version(table, 'max_version')
  if (min && max && VERSION_ORDER.indexOf(min) > VERSION_ORDER.indexOf(max))
    throw invalid(`tls.min_version: ${min} is above max_version ${max}`)
  let ciphers: string[] | undefined
  if (table.ciphers !== undefined) {
    const list = table.ciphers
    if (!Array.isArray(list) || !list.every((c) => typeof c === 'string'))
      throw invalid(
        'tls.ciphers: must be a list of cipher names such as "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"',
      )
    for (const c of list as string[])
      if (!(c in CIPHERS))
        throw invalid(`tls.ciphers: ${c} is not a supported cipher (${Object.keys(CIPHERS).join(', ')})`)
    ciphers = list as string[]
  }
  return {
    cert_path: table.cert_path as string,
    key_path: table.key_path as string,
    ...(min ? { min_version: min } : {}),
    ...(max ? { max_version: max } : {}),
    ...(ciphers ? { ciphers } : {}),
    prefer_server_ciphers: flag(table, 'prefer_server_ciphers'),
    session_tickets: flag(table, 'session_tickets'),
  }
}

/**
 * node:tls options for the table, the certificate and key read now (so a bad file is refused when the
 * server is created, naming the field); a file changed later takes effect when the server restarts.
 */
export async function tlsOptionsOf(table: TlsTable): Promise<TlsOptions> {
  let pair: { cert: string; key: string }
  try {
    pair = await loadKeyPairFiles(table.cert_path, table.key_path, {
      cert: 'tls.cert_path',
      key: 'tls.key_path',
    })
  } catch (err) {
    throw invalid((err as Error).message)
  }
  return {
    cert: pair.cert,
    key: pair.key,
    ...(table.min_version ? { minVersion: VERSIONS[table.min_version] } : {}),
    ...(table.max_version ? { maxVersion: VERSIONS[table.max_version] } : {}),
    ...(table.ciphers ? { ciphers: [...table.ciphers.map((c) => CIPHERS[c]), TLS13_SUITES].join(':') } : {}),
    honorCipherOrder: table.prefer_server_ciphers,
    ...(table.session_tickets ? {} : { secureOptions: constants.SSL_OP_NO_TICKET }),
  }
}
