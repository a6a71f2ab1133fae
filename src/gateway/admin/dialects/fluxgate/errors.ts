// FluxGate's error envelope {code, message, details}: the gateway's codes translated to the document's.
import type { FastifyError, FastifyReply } from 'fastify'
import { GatewayError, isGatewayError } from '../../../errors.ts'
import { bodyErrorMessage } from '../../native/error-handler.ts'

const CODES: Partial<Record<string, string>> = {
  SP_ERR_DIALECT_INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  SP_ERR_ADMIN_BAD_BODY: 'INVALID_PAYLOAD',
  SP_ERR_ROUTE_INVALID: 'INVALID_PAYLOAD',
  SP_ERR_ROUTE_RESERVED_PATH: 'INVALID_PAYLOAD',
  SP_ERR_ROUTE_BAD_REGEX: 'INVALID_PAYLOAD',
  SP_ERR_DIALECT_UNAUTHORIZED: 'MISSING_API_KEY',
  SP_ERR_ADMIN_UNAUTHORIZED: 'MISSING_API_KEY',
  SP_ERR_ADMIN_FORBIDDEN_HOST: 'FORBIDDEN',
  SP_ERR_ADMIN_FORBIDDEN_ORIGIN: 'FORBIDDEN',
  SP_ERR_DIALECT_NOT_FOUND: 'NOT_FOUND',
  SP_ERR_ADMIN_NOT_FOUND: 'NOT_FOUND',
  SP_ERR_DIALECT_CONFLICT: 'DUPLICATE_ROUTE',
  SP_ERR_DIALECT_QUOTA_EXHAUSTED: 'API_QUOTA_EXHAUSTED',
  SP_ERR_PERSIST_WRITE: 'INTERNAL_ERROR',
}

export function sendError(reply: FastifyReply, err: FastifyError | GatewayError) {
  if (isGatewayError(err)) {
    const details: Record<string, unknown> = { ...(err.details ?? {}) }
    // Consistency problems name the core field; FluxGate clients know it as match.path.
    if (details.field === 'path') details.field = 'match.path'
    delete details.id
    const code = (details.flux_code as string | undefined) ?? CODES[err.code] ?? 'INTERNAL_ERROR'
    delete details.flux_code
    if (details.retry_after !== undefined) reply.header('retry-after', String(details.retry_after))
    return reply.code(err.status).send({ code, message: err.message, details })
  }
  const status = err.statusCode ?? 500
  if (status === 413)
    return reply.code(413).send({ code: 'PAYLOAD_TOO_LARGE', message: bodyErrorMessage(err), details: {} })
  if (status >= 400 && status < 500)
    return reply
      .code(400)
      .send({ code: 'INVALID_PAYLOAD', message: bodyErrorMessage(err), details: { field: 'body' } })
  return reply.code(500).send({ code: 'INTERNAL_ERROR', message: 'internal error', details: {} })
}

export const notFound = (what: string, id: string) =>
  new GatewayError('SP_ERR_DIALECT_NOT_FOUND', `${what} ${id} not found`, { resource: what, id })

/** A field of the request body that is wrong, named in `details.field` as the document does. */
export function invalid(field: string, message: string): GatewayError {
  return new GatewayError('SP_ERR_DIALECT_INVALID_PAYLOAD', `${field}: ${message}`, { field })
}
