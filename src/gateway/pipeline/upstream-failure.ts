// How a failed upstream attempt is answered: 504 when the upstream was too slow, 502 otherwise, with
// a detail that says what happened and, for the usual local mistakes, what to do about it.
import type { ProblemKind } from '../http/problem.ts'
import type { CompiledTarget } from '../router/route-table.ts'

export function failureKind(err: Error & { code?: string }): ProblemKind {
  return err.code === 'UPSTREAM_HEADERS_TIMEOUT' ||
    err.code === 'UPSTREAM_CONNECT_TIMEOUT' ||
    err.code === 'UPSTREAM_DEADLINE_EXCEEDED'
    ? 'gateway-timeout'
    : 'bad-gateway'
}

export function explainFailure(
  err: Error & { code?: string },
  target: CompiledTarget,
  timeoutMs: number,
): string {
  switch (err.code) {
    case 'UPSTREAM_HEADERS_TIMEOUT':
      return `upstream ${target.spec.url} did not answer within ${timeoutMs} ms`
    case 'UPSTREAM_CONNECT_TIMEOUT':
      return `could not connect to upstream ${target.spec.url} in time`
    case 'ECONNREFUSED':
      return `upstream ${target.spec.url} refused the connection`
    case 'UPSTREAM_DEADLINE_EXCEEDED':
      return err.message
    case 'UPSTREAM_BAD_RESPONSE':
    case 'UPSTREAM_CLOSED':
      return `upstream ${target.spec.url}: ${err.message}`
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      // Local services often use their own certificates: say how to trust one.
      return `upstream ${target.spec.url} presented a TLS certificate that is not trusted (${err.code}: ${err.message}); to trust a local CA, start Sallyport with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`
    default:
      return `upstream ${target.spec.url} failed: ${err.code ?? err.message}`
  }
}
