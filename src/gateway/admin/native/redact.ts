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

/** `scheme://user:password@host`: the password of a URL-valued setting (e.g. `store.redis.url`). */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:)[^/@\s]+@/i

export function redactConfig<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => {
      if (typeof v !== 'string') return v
      if (SECRET_KEYS.has(key.toLowerCase())) return REDACTED
      return URL_PASSWORD.test(v) ? v.replace(URL_PASSWORD, `$1${REDACTED}@`) : v
    }),
  ) as T
}
