// The local certificate authority: made once per data dir (like mkcert's), kept in <dir>/ca.pem and
// <dir>/ca-key.pem, and never replaced on its own: someone may have trusted it.
import { createPrivateKey, type webcrypto, X509Certificate } from 'node:crypto'
import { chmod, mkdir, readFile, stat } from 'node:fs/promises'
import { hostname, userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import { writeFileAtomic } from '../util/atomic-write.ts'
import {
  certificatePem,
  EC_KEY,
  EC_SIGNING,
  generateEcKeys,
  privateKeyPem,
  randomSerial,
  subtle,
  x509,
} from './x509.ts'

export const CA_CERT_FILE = 'ca.pem'
export const CA_KEY_FILE = 'ca-key.pem'

const DAY = 86_400_000
const CA_VALIDITY_MS = 3652 * DAY
/** Backdating absorbs small clock differences between this machine and a VM or container. */
export const BACKDATE_MS = 3_600_000

export interface LocalCa {
  readonly certPem: string
  /** `<dir>/ca.pem`; undefined for an ephemeral CA. */
  readonly certFile: string | undefined
  /** The CA certificate, for signing leaves (issuer name, key identifier). */
  readonly certificate: x509.X509Certificate
  /** Subject key identifier (hex), the leaves' authority key identifier. */
  readonly keyId: string
  /** Not extractable: the CA key's bytes stay in ca-key.pem. */
  readonly signingKey: webcrypto.CryptoKey
  /** Serial number in hex, as `certutil -delstore` wants it. */
  readonly serialNumber: string
  /** SHA-256 of the certificate (hex, lower case). */
  readonly fingerprint: string
  readonly notAfter: Date
}

/** Where Sallyport keeps its CA under a gateway data dir. */
export function localCaDir(dataDir: string): string {
  return join(dataDir, 'tls')
}

const loading = new Map<string, Promise<LocalCa>>()

/**
 * The CA in `dir`, made on first use. A key without a certificate (a crash between the two writes) is
 * replaced; anything else unreadable is an error that names the file, and nothing is overwritten.
 */
export function loadOrCreateLocalCa(dir: string): Promise<LocalCa> {
  const key = resolve(dir)
  let pending = loading.get(key)
  if (!pending) {
    pending = loadOrCreate(key).finally(() => loading.delete(key))
    loading.set(key, pending)
  }
  return pending
}

/** A CA that lives in memory only, for a gateway without a data dir; nothing can trust it for long. */
export async function createEphemeralCa(): Promise<LocalCa> {
  const { certPem, keyPem } = await generateCa('Sallyport Ephemeral CA')
  return fromPem(certPem, keyPem, undefined)
}

async function loadOrCreate(dir: string): Promise<LocalCa> {
  await privateDir(dir)
  const certFile = join(dir, CA_CERT_FILE)
  const keyFile = join(dir, CA_KEY_FILE)
  const certPem = await readIfExists(certFile)
  const keyPem = await readIfExists(keyFile)
  if (certPem === undefined) {
    const made = await generateCa('Sallyport Local CA')
    // Key first: a crash before the certificate is written leaves a key nobody can have trusted.
    await writeFileAtomic(keyFile, made.keyPem)
    await writeFileAtomic(certFile, made.certPem)
    return fromPem(made.certPem, made.keyPem, certFile)
  }
  if (keyPem === undefined)
    throw new Error(
      `${keyFile} is missing but ${certFile} exists; Sallyport will not replace a CA that may be trusted: ` +
        `remove it from your trust stores (sallyport trust --remove), delete ${certFile}, and a new CA is made`,
    )
  await restrictKeyFile(keyFile)
  checkPair(certPem, keyPem, certFile, keyFile)
  return fromPem(certPem, keyPem, certFile)
}

function corrupt(file: string, what: string): Error {
  return new Error(
    `${file} ${what}; Sallyport will not replace a CA that may be trusted: restore the file, or delete ` +
      `${CA_CERT_FILE} and ${CA_KEY_FILE} in that folder (and remove the old CA from your trust stores) to make a new one`,
  )
}

function checkPair(certPem: string, keyPem: string, certFile: string, keyFile: string): void {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(certPem)
  } catch {
    throw corrupt(certFile, 'is not a PEM certificate')
  }
  let key: ReturnType<typeof createPrivateKey>
  try {
    key = createPrivateKey(keyPem)
  } catch {
    throw corrupt(keyFile, 'is not a PEM private key')
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw corrupt(keyFile, 'is not an ECDSA P-256 key')
  if (!cert.checkPrivateKey(key)) throw corrupt(keyFile, `does not belong to ${certFile}`)
  if (!cert.ca) throw corrupt(certFile, 'is not a CA certificate')
  if (Date.parse(cert.validTo) <= Date.now()) throw corrupt(certFile, `expired on ${cert.validTo}`)
}

async function generateCa(title: string): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateEcKeys()
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ O: ['Sallyport'] }, { CN: [`${title} (${owner()})`.slice(0, 64)] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_MS),
    keys,
    signingAlgorithm: EC_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return { certPem: certificatePem(cert), keyPem: await privateKeyPem(keys.privateKey) }
}

/** `user@host`, so a trust store holding several Sallyport CAs shows whose each is. */
function owner(): string {
  let user: string
  try {
    user = userInfo().username
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'user'
  }
  return `${user}@${hostname()}`
}

async function fromPem(certPem: string, keyPem: string, certFile: string | undefined): Promise<LocalCa> {
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' })
  const signingKey = await subtle.importKey('pkcs8', der, EC_KEY, false, ['sign'])
  const certificate = new x509.X509Certificate(certPem)
  const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension)
  const keyId = ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(certificate.publicKey)).keyId
  const node = new X509Certificate(certPem)
  return {
    certPem: certificatePem(certificate),
    certFile,
    certificate,
    keyId,
    signingKey,
    serialNumber: node.serialNumber.toLowerCase(),
    fingerprint: node.fingerprint256.replaceAll(':', '').toLowerCase(),
    notAfter: certificate.notAfter,
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
}

/** 0700 for the CA's folder (POSIX modes only; Windows keeps per-user ACLs on the profile). */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  if (process.platform === 'win32') return
  const { mode } = await stat(dir)
  if ((mode & 0o077) !== 0) await chmod(dir, 0o700)
}

/** Looser modes (a restored backup, a copy) are tightened, not refused: the key is still ours. */
async function restrictKeyFile(file: string): Promise<void> {
  if (process.platform === 'win32') return
  const { mode } = await stat(file)
  if ((mode & 0o077) === 0) return
  try {
    await chmod(file, 0o600)
  } catch (err) {
    throw new Error(
      `${file} is readable by others (mode ${(mode & 0o777).toString(8)}) and cannot be made private: ${(err as Error).message}`,
      { cause: err },
    )
  }
}
