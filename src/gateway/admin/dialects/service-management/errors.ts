// The service-management error envelope {message, code}, as the original (junqirao/api-gateway) answers.
import type { FastifyError, FastifyReply } from 'fastify'
import { GatewayError, isGatewayError } from '../../../errors.ts'
import { bodyErrorMessage } from '../../native/error-handler.ts'

// GoFrame's gcode numbers, which the original's envelope carries.
const CODE_INTERNAL = 50
export const CODE_INVALID_PARAMETER = 51
export const CODE_MISSING_PARAMETER = 54
const CODE_NOT_AUTHORIZED = 61
export const CODE_NOT_FOUND = 65

const GCODES: Partial<Record<string, number>> = {
  SP_ERR_DIALECT_INVALID_PAYLOAD: CODE_INVALID_PARAMETER,
  SP_ERR_ADMIN_BAD_BODY: CODE_INVALID_PARAMETER,
  SP_ERR_ROUTE_INVALID: CODE_INVALID_PARAMETER,
  SP_ERR_DIALECT_UNAUTHORIZED: CODE_NOT_AUTHORIZED,
  SP_ERR_ADMIN_UNAUTHORIZED: CODE_NOT_AUTHORIZED,
  SP_ERR_ADMIN_FORBIDDEN_HOST: CODE_NOT_AUTHORIZED,
  SP_ERR_ADMIN_FORBIDDEN_ORIGIN: CODE_NOT_AUTHORIZED,
  SP_ERR_DIALECT_NOT_FOUND: CODE_NOT_FOUND,
}

export function sendError(reply: FastifyReply, err: FastifyError | GatewayError) {
  if (isGatewayError(err)) {
    const code = (err.details?.gcode as number | undefined) ?? GCODES[err.code] ?? CODE_INTERNAL
    return reply.code(err.status).send({ message: err.message, code })
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500)
    return reply.code(status).send({ message: bodyErrorMessage(err), code: CODE_INVALID_PARAMETER })
  return reply.code(500).send({ message: 'internal error', code: CODE_INTERNAL })
}

export const bad = (message: string, gcode = CODE_INVALID_PARAMETER) =>
  new GatewayError('SP_ERR_DIALECT_INVALID_PAYLOAD', message, { gcode })
