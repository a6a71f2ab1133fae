// JWT verification with jose: HS* secrets, RS*/ES*/PS* PEM keys or a JWKS URL (fetched and cached by
// jose). Algorithms are pinned to the key's kind, so `alg: none` and HS/RS key confusion are refused.
// Verified payloads are cached by token string (TTL ≤ the token's remaining life, ≤ 60 s).
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import type { JWTPayload, JWTVerifyGetKey } from 'jose'
import { LRUCache } from 'lru-cache'
import type { RequestHead } from '../http/request-head.ts'
import type { RouteConfig } from '../model/index.ts'
import { toMs } from '../util/duration.ts'
import type { Interceptor, ProxyContext } from './interceptor.ts'
import { answerProblem } from './local-answer.ts'
import type { DispatchHandler } from '../upstream/types.ts'

type Cfg = Exclude<RouteConfig['jwt'], false | undefined>

export type JwtOutcome =
  | { readonly ok: true; readonly claims: JWTPayload }
  | { readonly ok: false; readonly status: 401 | 403; readonly detail: string; readonly challenge: string }

export interface JwtPolicy {
  /** Synchronous answer from the verified-token cache, or undefined when a verify is needed. */
  cached(req: RequestHead): JwtOutcome | undefined
  verify(req: RequestHead): Promise<JwtOutcome>
  /** The same for a token taken from elsewhere (a program's `jwt(header)`); undefined: no token. */
  cachedToken(token: string | undefined): JwtOutcome | undefined
  verifyToken(token: string): Promise<JwtOutcome>
}

const HS = ['HS256', 'HS384', 'HS512']
const RS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
const ES = ['ES256', 'ES384', 'ES512']

function algorithmsFor(key: KeyObject): string[] {
  if (key.type === 'secret') return HS
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return RS
  if (key.asymmetricKeyType === 'ec') return ES
  return ['EdDSA', 'Ed25519']
}

function fail(status: 401 | 403, code: string, detail: string): JwtOutcome {
  const challenge =
    status === 401
      ? `Bearer realm="sallyport", error="${code}", error_description="${detail.replace(/"/g, "'")}"`
      : `Bearer realm="sallyport", error="insufficient_scope", error_description="${detail.replace(/"/g, "'")}"`
  return { ok: false, status, detail, challenge }
}

function tokenOf(req: RequestHead): string | undefined {
  const h = req.headers.authorization
  if (h === undefined || h.length < 8 || h.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  const t = h.slice(7).trim()
  return t === '' ? undefined : t
}

/** Shared JWKS fetchers, keyed by URL, so a snapshot swap keeps the fetched keys. */
const jwksByUrl = new Map<string, JWTVerifyGetKey>()

// jose loads on the first verification, not at start: most gateways have no JWT route.
let joseModule: Promise<typeof import('jose')> | undefined
const loadJose = () => {
  joseModule ??= import('jose')
  return joseModule
}

/**
 * One key set per URL and timing: keys are cached for `cacheMaxAge` (default 10 min); an unknown kid
 * refetches, but not within `cooldown` of the last fetch (default 30 s, so bad tokens cannot hammer the issuer).
 */
function jwksFor(
  jose: typeof import('jose'),
  url: string,
  cacheMaxAge: number,
  cooldownDuration: number,
): JWTVerifyGetKey {
  const key = `${url} ${cacheMaxAge} ${cooldownDuration}`
  let set = jwksByUrl.get(key)
  if (!set) {
    set = jose.createRemoteJWKSet(new URL(url), { cacheMaxAge, cooldownDuration })
    jwksByUrl.set(key, set)
  }
  return set
}

export function compileJwt(cfg: Cfg | undefined): JwtPolicy | undefined {
  if (!cfg || cfg.enabled === false) return undefined
  let key: KeyObject | undefined
  const jwksUrl = cfg.jwksUrl
  const jwksMaxAge = toMs(cfg.jwksCacheMaxAge, 600_000)
  const jwksCooldown = toMs(cfg.jwksCooldown, 30_000)
  let algorithms: string[]
  if (jwksUrl) {
    algorithms = cfg.algorithms ?? [...RS, ...ES, 'EdDSA']
  } else if (cfg.publicKey) {
    const k = createPublicKey(cfg.publicKey)
    key = k
    algorithms = algorithmsFor(k)
  } else if (cfg.secret) {
    const k = createSecretKey(Buffer.from(cfg.secret, 'utf8'))
    key = k
    algorithms = HS
  } else {
    // A JWT policy with no key refuses everything rather than letting everything through.
    const refused = fail(401, 'invalid_token', 'no verification key is configured for this route')
    return {
      cached: () => refused,
      verify: async () => refused,
      cachedToken: () => refused,
      verifyToken: async () => refused,
    }
  }
  // Configured algorithms can narrow the key's family, never widen it (no HS with an RSA key).
  if (cfg.algorithms && !cfg.jwksUrl) algorithms = cfg.algorithms.filter((a) => algorithms.includes(a))
  algorithms = algorithms.filter((a) => a.toLowerCase() !== 'none')
  const options = {
    algorithms,
    issuer: cfg.issuer,
    audience: cfg.audience,
    requiredClaims: cfg.requiredClaims,
    clockTolerance: Math.round(toMs(cfg.clockTolerance, 0) / 1000),
  }
  const roles = cfg.roles && cfg.roles.length > 0 ? cfg.roles : undefined
  const rolesClaim = cfg.rolesClaim ?? 'roles'
  const cache = new LRUCache<string, { claims: JWTPayload; exp: number }>({ max: 10_000 })

  const authorize = (claims: JWTPayload): JwtOutcome => {
    if (roles) {
      const raw = rolesClaim
        .split('.')
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], claims)
      const have = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/[\s,]+/) : []
      if (!roles.some((r) => have.includes(r)))
        return fail(403, 'insufficient_scope', `token lacks a required role (${roles.join(', ')})`)
    }
    return { ok: true, claims }
  }

  const cachedToken = (token: string | undefined): JwtOutcome | undefined => {
    if (token === undefined) return fail(401, 'invalid_request', 'missing bearer token')
    const hit = cache.get(token)
    if (!hit) return undefined
    if (Date.now() >= hit.exp) {
      cache.delete(token)
      return undefined
    }
    return authorize(hit.claims)
  }

  const verifyToken = async (token: string): Promise<JwtOutcome> => {
    const jose = await loadJose()
    const { errors } = jose
    try {
      const { payload } = jwksUrl
        ? await jose.jwtVerify(token, jwksFor(jose, jwksUrl, jwksMaxAge, jwksCooldown), options)
        : await jose.jwtVerify(token, key as KeyObject, options)
      const now = Date.now()
      const expMs = payload.exp !== undefined ? payload.exp * 1000 : now + 60_000
      const ttl = Math.min(expMs - now, 60_000)
      // A token not valid yet (within clock tolerance) or about to expire is not cached.
      if (ttl > 0 && (payload.nbf === undefined || payload.nbf * 1000 <= now))
        cache.set(token, { claims: payload, exp: now + ttl })
      return authorize(payload)
    } catch (err) {
      if (err instanceof errors.JWTExpired) return fail(401, 'invalid_token', 'token expired')
      if (err instanceof errors.JWTClaimValidationFailed)
        return fail(401, 'invalid_token', `token claim check failed: ${err.claim} ${err.reason}`)
      if (err instanceof errors.JOSEAlgNotAllowed)
        return fail(401, 'invalid_token', 'token algorithm not allowed')
      if (err instanceof errors.JWKSNoMatchingKey)
        return fail(401, 'invalid_token', 'no matching key for token')
      if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
        return fail(401, 'invalid_token', 'key set unavailable')
      return fail(401, 'invalid_token', 'token invalid')
    }
  }

  return {
    cached: (req) => cachedToken(tokenOf(req)),
    verify: (req) => verifyToken(tokenOf(req) as string),
    cachedToken,
    verifyToken,
  }
}

const UNVERIFIABLE: JwtOutcome = {
  ok: false,
  status: 401,
  detail: 'token invalid',
  challenge: 'Bearer realm="sallyport"',
}

/** A request without a valid token (and required roles) is answered 401 / 403 here. */
export function jwtInterceptor(jwt: JwtPolicy): Interceptor {
  return (next) => (ctx, handler) => {
    const cached = jwt.cached(ctx.req)
    if (cached) decide(cached, ctx, handler, next)
    else
      jwt.verify(ctx.req).then(
        (o) => decide(o, ctx, handler, next),
        () => decide(UNVERIFIABLE, ctx, handler, next),
      )
  }
}

function decide(
  o: JwtOutcome,
  ctx: ProxyContext,
  handler: DispatchHandler,
  next: (ctx: ProxyContext, handler: DispatchHandler) => void,
): void {
  if (ctx.gone) return
  if (o.ok) {
    ctx.claims = o.claims as Record<string, unknown>
    next(ctx, handler)
    return
  }
  answerProblem(handler, ctx, o.status === 403 ? 'forbidden' : 'unauthorized', {
    detail: o.detail,
    headers: { 'www-authenticate': o.challenge },
  })
}
