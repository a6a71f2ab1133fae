// Every read of configuration goes through here: secrets never leave the gateway.
const SECRET_KEYS = new Set([
  'secret',
  'apikey',
  'bearertoken',
  'token',
  'privatekey',
  'x-api-key',
  'cookie',
  'password',
  'clientsecret',
  'authorization',
])

export const REDACTED = '[redacted]'

export function redactConfig<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) =>
      SECRET_KEYS.has(key.toLowerCase()) && typeof v === 'string' ? REDACTED : v,
    ),
  ) as T
}
