// The native API's one error format, {"error": "..."}: GatewayErrors keep their status, fastify's
// body errors become 400/413, anything else is a 500 without internals.
import type { FastifyError, FastifyInstance } from 'fastify'
import { errors, isGatewayError } from '../../errors.ts'

export function bodyErrorMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `${errors.SP_ERR_ADMIN_BODY_TOO_LARGE.message} (limit 1 MiB)`
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty; send a JSON object'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type; send application/json'
    default:
      if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
        return `request body is not valid JSON: ${err.message}`
      return err.message
  }
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (isGatewayError(err)) return reply.code(err.status).send({ error: err.message })
    const status = err.statusCode ?? 500
    if (status >= 400 && status < 500) return reply.code(status).send({ error: bodyErrorMessage(err) })
    reply.log.error(err)
    return reply.code(500).send({ error: 'internal error' })
  })
}
