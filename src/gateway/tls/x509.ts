// @peculiar/x509 with what it needs before use: the reflect-metadata polyfill loaded first (its DI
// container reads decorator metadata at load time) and Node's WebCrypto as its provider.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { webcrypto } from 'node:crypto'

x509.cryptoProvider.set(webcrypto)

export { x509 }
export const subtle = webcrypto.subtle

/** ECDSA P-256 with SHA-256: what every browser and TLS stack accepts, and fast to make. */
export const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const
export const EC_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const

export function generateEcKeys(): Promise<webcrypto.CryptoKeyPair> {
  return subtle.generateKey(EC_KEY, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>
}

/** PEM ending in a newline, so that PEM blocks can be joined into one file. */
export function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`
}

export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return withNewline(x509.PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY'))
}

export function certificatePem(cert: x509.X509Certificate): string {
  return withNewline(cert.toString('pem'))
}

/** A random positive 16-byte serial (RFC 5280 §4.1.2.2: at most 20 octets; CA/B: at least 64 random bits). */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = (bytes[0] as number) & 0x7f || 0x01
  return Buffer.from(bytes).toString('hex')
}
