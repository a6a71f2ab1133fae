// A certificate and its private key read from PEM files and checked to belong together, with errors
// that name the setting each file came from (`tls.cert`, `tls.cert_path`, …).
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createSecureContext, type SecureContext } from 'node:tls'

export interface KeyPair {
  readonly cert: string
  readonly key: string
  readonly context: SecureContext
}

/** The setting names used in error messages. */
export interface KeyPairFields {
  readonly cert: string
  readonly key: string
}

export async function loadKeyPairFiles(
  certFile: string,
  keyFile: string,
  fields: KeyPairFields = { cert: 'tls.cert', key: 'tls.key' },
): Promise<KeyPair> {
  const read = async (file: string, field: string) => {
    try {
      return await readFile(file, 'utf8')
    } catch (err) {
      throw new Error(`${field}: cannot read ${file}: ${(err as Error).message}`, { cause: err })
    }
  }
  const cert = await read(certFile, fields.cert)
  const key = await read(keyFile, fields.key)
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(cert)
  } catch (err) {
    throw new Error(`${fields.cert}: ${certFile} is not a PEM certificate`, { cause: err })
  }
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(key)
  } catch (err) {
    throw new Error(`${fields.key}: ${keyFile} is not a PEM private key (or it is encrypted)`, { cause: err })
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new Error(`${fields.key}: ${keyFile} is not the key of the certificate in ${certFile}`)
  let context: SecureContext
  try {
    // `cert` may hold the chain after the leaf; OpenSSL sends it as is.
    context = createSecureContext({ cert, key })
  } catch (err) {
    throw new Error(`tls: ${certFile} and ${keyFile} cannot be used: ${(err as Error).message}`, {
      cause: err,
    })
  }
  return { cert, key, context }
}
