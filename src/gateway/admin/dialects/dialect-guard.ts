// The admin guard (Host, Origin, admin credentials) for a dialect that has its own credential: when the
// dialect's credential is configured it replaces the admin credentials; Host/Origin checks always apply.
import type { IncomingHttpHeaders } from 'node:http'
import type { AdminGuard } from '../admin-guard.ts'
import { GatewayError, isGatewayError } from '../../errors.ts'

/** `own` is undefined when the dialect has no credential configured, else whether the request carries it. */
export function checkDialectAccess(
  guard: AdminGuard,
  method: string,
  headers: IncomingHttpHeaders,
  own: boolean | undefined,
): void {
  try {
    guard.check(method, headers)
  } catch (err) {
    if (!(isGatewayError(err) && err.code === 'SP_ERR_ADMIN_UNAUTHORIZED' && own !== undefined)) throw err
  }
  if (own === false) throw new GatewayError('SP_ERR_DIALECT_UNAUTHORIZED')
}
