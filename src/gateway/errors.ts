// Every error the gateway raises has a code, listed here once (docs/errors.md mirrors this list and a
// test keeps the two in step). Dialects translate codes into their own wire formats at their edge.

export interface ErrorInfo {
  readonly status: number
  readonly message: string
}

export const errors = {
  SP_ERR_CONFIG_INVALID: { status: 400, message: 'configuration is invalid' },
  SP_ERR_CONFIG_PARSE: { status: 400, message: 'configuration file cannot be parsed' },
  SP_ERR_CONFIG_READ: { status: 500, message: 'configuration file cannot be read' },
  SP_ERR_ROUTE_INVALID: { status: 400, message: 'route is invalid' },
  SP_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'route not found' },
  SP_ERR_ROUTE_EXISTS: { status: 409, message: 'route already exists' },
  SP_ERR_ROUTE_READ_ONLY: { status: 400, message: 'cannot update auto-discovered routes' },
  SP_ERR_ROUTE_RESERVED_PATH: { status: 400, message: 'route path shadows a reserved gateway path' },
  SP_ERR_ROUTE_DUPLICATE_ID: { status: 400, message: 'two routes have the same id' },
  SP_ERR_ROUTE_BAD_REGEX: { status: 400, message: 'route path is not a valid regular expression' },
  SP_ERR_ROUTE_BAD_PROGRAM: { status: 400, message: 'a program of the route does not parse' },
  SP_ERR_ROUTE_OUTRANKED: { status: 409, message: "another route answers this route's requests" },
  SP_ERR_SERVER_PORT_IN_USE: { status: 500, message: 'port is already in use' },
  SP_ERR_SERVER_LISTEN: { status: 500, message: 'cannot listen' },
  SP_ERR_SERVER_TLS: { status: 500, message: 'cannot set up HTTPS (certificate files or the local CA)' },
  SP_ERR_SERVER_INSECURE_BIND: {
    status: 500,
    message: 'refusing to expose the admin API without credentials',
  },
  SP_ERR_CLI_BAD_FLAG: { status: 400, message: 'bad command-line flag' },
  SP_ERR_PERSIST_WRITE: { status: 500, message: 'cannot persist the change' },
  SP_ERR_STORE_UNAVAILABLE: { status: 503, message: 'the shared store is unreachable' },
  SP_ERR_PROXY_NO_ROUTE: { status: 404, message: 'no route matches the request' },
  SP_ERR_PROXY_UPSTREAM_UNAVAILABLE: { status: 502, message: 'upstream refused or reset the connection' },
  SP_ERR_PROXY_UPSTREAM_TIMEOUT: { status: 504, message: 'upstream did not answer in time' },
  SP_ERR_PROXY_NO_HEALTHY_TARGET: { status: 503, message: 'no healthy upstream target' },
  SP_ERR_PROXY_DRAINING: { status: 503, message: 'gateway is draining' },
  SP_ERR_PROXY_BAD_REQUEST: { status: 400, message: 'request is malformed' },
  SP_ERR_PROXY_HEAD_TIMEOUT: { status: 408, message: 'request head did not arrive in time' },
  SP_ERR_PROXY_HEAD_TOO_LARGE: { status: 431, message: 'request head is too large' },
  SP_ERR_PROXY_CONTENT_TOO_LARGE: {
    status: 413,
    message: 'request content is too large to keep for a retry',
  },
  SP_ERR_PROXY_TRANSFER_CODING: { status: 501, message: 'transfer coding not supported' },
  SP_ERR_PROXY_HTTP_VERSION: { status: 505, message: 'HTTP version not supported' },
  SP_ERR_ADMIN_BAD_BODY: { status: 400, message: 'request body is invalid' },
  SP_ERR_ADMIN_BODY_TOO_LARGE: { status: 413, message: 'request body is too large' },
  SP_ERR_ADMIN_FORBIDDEN_HOST: { status: 403, message: 'host not allowed' },
  SP_ERR_ADMIN_FORBIDDEN_ORIGIN: { status: 403, message: 'cross-origin write refused' },
  SP_ERR_ADMIN_UNAUTHORIZED: { status: 401, message: 'admin credentials required' },
  SP_ERR_ADMIN_REALTIME_DISABLED: { status: 503, message: 'realtime not enabled' },
  SP_ERR_ADMIN_UPGRADE_REQUIRED: { status: 426, message: 'websocket upgrade required' },
  SP_ERR_ADMIN_NOT_FOUND: { status: 404, message: 'not found' },
  SP_ERR_ADMIN_REQUEST_NOT_FOUND: { status: 404, message: 'request not found' },
  SP_ERR_ADMIN_NOT_LISTENING: { status: 503, message: 'gateway is not listening yet' },
  SP_ERR_ADMIN_REPLAY_FAILED: { status: 502, message: 'replay failed' },
  SP_ERR_ADMIN_REPLAY_INCOMPLETE: { status: 409, message: 'request body was not kept in full' },
  SP_ERR_DIALECT_INVALID_PAYLOAD: { status: 400, message: 'request payload is invalid' },
  SP_ERR_DIALECT_UNAUTHORIZED: { status: 401, message: 'dialect credentials missing or wrong' },
  SP_ERR_DIALECT_NOT_FOUND: { status: 404, message: 'entity not found' },
  SP_ERR_DIALECT_CONFLICT: { status: 409, message: 'entity already exists' },
  SP_ERR_DIALECT_QUOTA_EXHAUSTED: { status: 429, message: 'management API quota exhausted' },
  SP_ERR_TCP_UNSUPPORTED: { status: 400, message: 'L4 feature not supported' },
  SP_ERR_TCP_LISTEN: { status: 409, message: 'L4 server cannot listen' },
} as const satisfies Record<string, ErrorInfo>

export type ErrorCode = keyof typeof errors

/** An error with a stable code; `message` is the human detail (file, line, field, …). */
export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: Record<string, unknown> | undefined
  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message ?? errors[code].message, options)
    this.name = 'GatewayError'
    this.code = code
    this.status = errors[code].status
    this.details = details
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError
}
