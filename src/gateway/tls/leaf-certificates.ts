// Server certificates signed by the local CA, one per allowed name, made on the first ClientHello that
// asks for it: kept in memory (bounded) and, with a data dir, in <dir>/<name>.pem so a restart reuses them.
import { channel } from 'node:diagnostics_channel'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/atomic-write.ts'
import { createHostPolicy, LOCALHOST } from './host-names.ts'
import { BACKDATE_MS, type LocalCa, privateDir } from './local-ca.ts'
import { certificatePem, EC_SIGNING, generateEcKeys, privateKeyPem, randomSerial, x509 } from './x509.ts'

const DAY = 86_400_000
/** Browsers refuse server certificates valid for more than 398 days. */
export const LEAF_VALIDITY_MS = 397 * DAY
/** A leaf this close to its end is replaced on its next use. */
export const RENEW_BEFORE_MS = 30 * DAY

export interface Leaf {
  /** The name the leaf is for (`localhost` also covers 127.0.0.1 and ::1). */
  readonly name: string
  readonly certPem: string
  readonly keyPem: string
  readonly notAfter: number
}

export interface LeafIssuer {
  /** The leaf for a TLS server name; a name that may not have one of its own gets the localhost leaf. */
  leafFor(servername: string | undefined): Promise<Leaf>
}

export interface LeafIssuerOptions {
  /** Extra names (`api.example.test`) and patterns (`*.example.test`) besides localhost and *.localhost. */
  readonly hosts?: readonly string[]
  /** Where leaves persist (`<dir>/<name>.pem`, certificate then key, 0600); memory only when undefined. */
  readonly dir?: string | undefined
  /** How many leaves stay in memory; the least recently used goes first. */
  readonly maxCached?: number
  /** Leaves kept on disk (the most recently issued); default 1024. */
  readonly maxSaved?: number
  readonly now?: () => number
}

/** `{ name, origin: 'disk' | 'issued' }` when a leaf comes into memory, `{ name, error }` when it cannot be saved. */
export const leafChannel = channel('sallyport:tls-leaf')

interface Entry {
  readonly pending: Promise<Leaf>
  leaf?: Leaf
}

export function createLeafIssuer(ca: LocalCa, options: LeafIssuerOptions = {}): LeafIssuer {
  const policy = createHostPolicy(options.hosts ?? [])
  const { dir, maxCached = 256, maxSaved = 1024, now = Date.now } = options
  const caCert = new X509Certificate(ca.certPem)
  const entries = new Map<string, Entry>()
  const fresh = (leaf: Leaf) => leaf.notAfter - now() > RENEW_BEFORE_MS

  const obtain = async (name: string): Promise<Leaf> => {
    const file = dir === undefined ? undefined : join(dir, `${name}.pem`)
    const saved = file === undefined ? undefined : await readSaved(file, name, caCert)
    if (saved && fresh(saved)) {
      leafChannel.publish({ name, origin: 'disk' })
      return saved
    }
    const leaf = await issueLeaf(ca, name, now())
    leafChannel.publish({ name, origin: 'issued' })
    if (file !== undefined && dir !== undefined)
      // Saving only spares the next start an issuance; a leaf that cannot be saved still serves.
      await privateDir(dir)
        .then(() => writeFileAtomic(file, leaf.certPem + leaf.keyPem))
        .then(() => pruneSaved(dir, maxSaved))
        .catch((error: unknown) => leafChannel.publish({ name, error }))
    return leaf
  }

  return {
    leafFor(servername) {
      const name = policy.leafNameFor(servername)
      const entry = entries.get(name)
      if (entry && (!entry.leaf || fresh(entry.leaf))) {
        entries.delete(name)
        entries.set(name, entry)
        return entry.pending
      }
      const pending = obtain(name)
      const created: Entry = { pending }
      entries.delete(name)
      entries.set(name, created)
      if (entries.size > maxCached) entries.delete(entries.keys().next().value as string)
      pending.then(
        (leaf) => {
          created.leaf = leaf
        },
        () => {
          if (entries.get(name) === created) entries.delete(name)
        },
      )
      return pending
    },
  }
}

function subjectAltNames(name: string): x509.JsonGeneralNames {
  if (name === LOCALHOST)
    return [
      { type: 'dns', value: LOCALHOST },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]
  return [{ type: 'dns', value: name }]
}

/** Signs a new leaf for `name` (an allowed, canonical name) with the CA's key. */
export async function issueLeaf(ca: LocalCa, name: string, at = Date.now()): Promise<Leaf> {
  const keys = await generateEcKeys()
  const notBefore = at - BACKDATE_MS
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ O: ['Sallyport'] }, ...(name.length <= 64 ? [{ CN: [name] }] : [])],
    issuer: ca.certificate.subjectName,
    notBefore: new Date(notBefore),
    notAfter: new Date(notBefore + LEAF_VALIDITY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: EC_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(subjectAltNames(name)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.AuthorityKeyIdentifierExtension(ca.keyId),
    ],
  })
  return {
    name,
    certPem: certificatePem(cert),
    keyPem: await privateKeyPem(keys.privateKey),
    notAfter: cert.notAfter.getTime(),
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\r?\n?/
const PEM_KEY = /-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----\r?\n?/

/** A saved leaf when it is whole, for `name`, and signed by this CA (not one made before it); else undefined. */
async function readSaved(file: string, name: string, ca: X509Certificate): Promise<Leaf | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  const certPem = PEM_CERT.exec(text)?.[0]
  const keyPem = PEM_KEY.exec(text)?.[0]
  if (!certPem || !keyPem) return undefined
  try {
    const cert = new X509Certificate(certPem)
    const covers =
      name === LOCALHOST
        ? cert.checkHost(LOCALHOST) && cert.checkIP('127.0.0.1') && cert.checkIP('::1')
        : cert.checkHost(name, { wildcards: false })
    if (!covers || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return undefined
    return { name, certPem, keyPem, notAfter: Date.parse(cert.validTo) }
  } catch {
    return undefined
  }
}

/**
 * Keeps at most `max` saved leaves, the most recently written: any page a browser opens can ask for
 * random *.localhost names, and each would otherwise leave a file behind for good.
 */
async function pruneSaved(dir: string, max: number): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.pem'))
  if (names.length <= max) return
  const dated = await Promise.all(
    names.map(async (n) => ({ n, at: (await stat(join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
  )
  dated.sort((a, b) => a.at - b.at)
  await Promise.all(dated.slice(0, names.length - max).map(({ n }) => rm(join(dir, n), { force: true })))
}
