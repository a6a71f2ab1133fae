// What an HTTPS front-end asks for a ClientHello: the SecureContext for its server name, from the
// user's own certificate files or from leaves the local CA signs on demand.
import { join } from 'node:path'
import { createSecureContext, type SecureContext } from 'node:tls'
import { createHostPolicy } from './host-names.ts'
import { loadKeyPairFiles } from './key-pair-files.ts'
import { createLeafIssuer, type Leaf } from './leaf-certificates.ts'
import { createEphemeralCa, loadOrCreateLocalCa, localCaDir } from './local-ca.ts'

export interface CertificateSource {
  /** SecureContext for a TLS ClientHello's server name (undefined → localhost). */
  contextFor(servername: string | undefined): Promise<SecureContext>
  /**
   * Key and certificate for a ClientHello without a server name, as `tls.createServer`'s own `key` and
   * `cert`: Node calls the SNICallback only when the client sent a name (clients send none for an IP).
   */
  defaultCertificate(): Promise<{ key: string; cert: string }>
  /** PEM of the local CA when Sallyport made it (auto mode), else undefined. */
  readonly caPem: string | undefined
  /** Where the CA certificate file is, in auto mode with a data dir. */
  readonly caFile: string | undefined
}

export type TlsSetting =
  | { mode: 'auto'; hosts: readonly string[] }
  | { mode: 'files'; cert: string; key: string }

/**
 * `auto`: the CA in `<dataDir>/tls/` (made on first use; in memory when there is no data dir) and its
 * leaves in `<dataDir>/tls/hosts/`. `files`: one certificate for every name, read once.
 */
export async function createCertificateSource(
  setting: TlsSetting,
  dataDir: string | undefined,
): Promise<CertificateSource> {
  if (setting.mode === 'files') return filesSource(setting.cert, setting.key)
  createHostPolicy(setting.hosts) // a bad entry fails before anything is written
  const dir = dataDir === undefined ? undefined : localCaDir(dataDir)
  const ca = dir === undefined ? await createEphemeralCa() : await loadOrCreateLocalCa(dir)
  const issuer = createLeafIssuer(ca, {
    hosts: setting.hosts,
    dir: dir === undefined ? undefined : join(dir, 'hosts'),
  })
  const contexts = new WeakMap<Leaf, SecureContext>()
  const contextOf = (leaf: Leaf) => {
    let context = contexts.get(leaf)
    if (!context) {
      context = createSecureContext({ cert: leaf.certPem, key: leaf.keyPem })
      contexts.set(leaf, context)
    }
    return context
  }
  // Made now, so a broken data dir fails the start rather than the first handshake.
  await issuer.leafFor(undefined)
  return {
    contextFor: async (servername) => contextOf(await issuer.leafFor(servername)),
    defaultCertificate: async () => {
      const leaf = await issuer.leafFor(undefined)
      return { key: leaf.keyPem, cert: leaf.certPem }
    },
    caPem: ca.certPem,
    caFile: ca.certFile,
  }
}

async function filesSource(certFile: string, keyFile: string): Promise<CertificateSource> {
  const { cert, key, context } = await loadKeyPairFiles(certFile, keyFile)
  return {
    contextFor: async () => context,
    defaultCertificate: async () => ({ key, cert }),
    caPem: undefined,
    caFile: undefined,
  }
}

type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void

/** `tls.createServer({ SNICallback })` for a source. */
export function sniCallback(source: CertificateSource): SniCallback {
  return (servername, cb) => {
    source.contextFor(servername).then(
      (context) => cb(null, context),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    )
  }
}

/** Everything `tls.createServer` / `https.createServer` need from a source: a default certificate and SNI. */
export async function tlsServerOptions(
  source: CertificateSource,
): Promise<{ key: string; cert: string; SNICallback: SniCallback }> {
  return { ...(await source.defaultCertificate()), SNICallback: sniCallback(source) }
}
