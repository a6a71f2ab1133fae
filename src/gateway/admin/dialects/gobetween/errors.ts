// gobetween's errors as its REST API (gin) answers them: a status and the message as a JSON string.
import { GatewayError, isGatewayError } from '../../../errors.ts'

/** gin's own answers, word for word. */
export const NOT_FOUND = '404 page not found'
export const UNAUTHORIZED = 'unauthorized'

export const invalid = (message: string): GatewayError =>
  new GatewayError('SP_ERR_DIALECT_INVALID_PAYLOAD', message)

/** A field or value gobetween knows that Sallyport's L4 servers do not do. */
export const unsupported = (message: string): GatewayError =>
  new GatewayError('SP_ERR_TCP_UNSUPPORTED', message)

/** The status and message an error is answered with; anything unexpected is a 500 that says nothing. */
export function errorAnswer(err: unknown): { status: number; message: string } {
  return isGatewayError(err)
    ? { status: err.status, message: err.message }
    : { status: 500, message: 'internal error' }
}
