// Trusted local HTTPS: a local CA in the data dir, leaf certificates by SNI, and the OS trust store.
export {
  type CertificateSource,
  createCertificateSource,
  sniCallback,
  type TlsSetting,
  tlsServerOptions,
} from './certificate-source.ts'
export { canonicalDnsName, createHostPolicy, type HostPolicy } from './host-names.ts'
export { type KeyPair, type KeyPairFields, loadKeyPairFiles } from './key-pair-files.ts'
export {
  createLeafIssuer,
  issueLeaf,
  type Leaf,
  type LeafIssuer,
  type LeafIssuerOptions,
  leafChannel,
} from './leaf-certificates.ts'
export {
  CA_CERT_FILE,
  CA_KEY_FILE,
  createEphemeralCa,
  type LocalCa,
  loadOrCreateLocalCa,
  localCaDir,
} from './local-ca.ts'
export {
  hostRunner,
  installCa,
  removeCa,
  type TrustResult,
  type TrustRunner,
  TrustStoreError,
} from './trust-store.ts'
