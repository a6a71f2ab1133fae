// Compiles a route's traffic policies into interceptors around the request, once per route table
// (outermost first: CORS, rate limit, JWT, rate limit keyed on claims, OpenAPI validation, mock
// answers, cache, retry: a fallback mock sees the answer after every retry, and is never cached). CORS,
// JWT, rate limit and cache come from the gateway's `defaults` when the route names none
// (config/policy-defaults.ts). A route with none gets `undefined` and keeps the plain path. The circuit breaker and passive
// health are no interceptors: every attempt's end reaches them (attempt-judge.ts).
import { effectivePolicy } from '../config/policy-defaults.ts'
import type { RouteSpec } from '../config/route-spec.ts'
import type { Settings } from '../config/settings.ts'
import { cacheInterceptor } from './cache-interceptor.ts'
import { compileCors, corsInterceptor } from './cors.ts'
import { grpcWebInterceptor } from './grpc-web.ts'
import type { Interceptor } from './interceptor.ts'
import { compileJwt, jwtInterceptor } from './jwt.ts'
import { mockInterceptor, mockPolicyOf } from './mock-answer.ts'
import { type ValidationPolicy, validationInterceptor } from './openapi-validation.ts'
import type { PolicyRegistry } from './policy-registry.ts'
import { compileRateLimiter, rateLimitInterceptor } from './rate-limit.ts'
import { cacheEnabled } from './response-cache.ts'
import { retryInterceptor, retryPolicy } from './retry.ts'

export interface RoutePolicies {
  /** Around the whole request, outermost first. */
  readonly request: readonly Interceptor[]
}

function validationOf(spec: RouteSpec, registry: PolicyRegistry | undefined): ValidationPolicy | undefined {
  const mode = spec.config.metadata?.openapiValidate
  if (!registry || !mode || mode === 'off') return undefined
  const request = mode === 'request' || mode === 'both'
  const response = mode === 'response' || mode === 'both'
  return request || response ? { validator: () => registry.validator(), request, response } : undefined
}

export function compilePolicies(
  spec: RouteSpec,
  settings: Settings,
  registry: PolicyRegistry | undefined,
): RoutePolicies | undefined {
  const cfg = spec.config
  const d = settings.policyDefaults
  const request: Interceptor[] = []

  const cors = compileCors(effectivePolicy(cfg, d, 'cors')?.config)
  if (cors) request.push(corsInterceptor(cors))
  // Browsers speak gRPC-Web: translated inside CORS, outside everything that may answer.
  if (spec.protocol === 'grpc') request.push(grpcWebInterceptor())
  const rl = effectivePolicy(cfg, d, 'rateLimit')?.config
  const limiter =
    registry && rl
      ? compileRateLimiter(
          rl,
          (scope) => registry.storeFor(scope, `${rl.requestsPerSec}/${rl.burst ?? ''}`),
          spec.id,
          spec.serviceName,
        )
      : undefined
  // A limit keyed on a client's claims waits for JWT; any other one comes first and is cheaper.
  if (limiter && !limiter.needsClaims) request.push(rateLimitInterceptor(limiter))
  const jwt = compileJwt(effectivePolicy(cfg, d, 'jwt')?.config)
  if (jwt) request.push(jwtInterceptor(jwt))
  if (limiter?.needsClaims) request.push(rateLimitInterceptor(limiter))
  const validation = validationOf(spec, registry)
  if (validation) request.push(validationInterceptor(validation))
  const mock = registry ? mockPolicyOf(cfg.mock, spec, () => registry.mocker()) : undefined
  if (mock) request.push(mockInterceptor(mock))
  // A cached answer would be served without the route's programs, which may guard it: no cache then.
  const programs = cfg.programs !== undefined && cfg.programs.length > 0
  const cache = effectivePolicy(cfg, d, 'cache')?.config
  if (registry && cacheEnabled(cache) && !programs)
    request.push(cacheInterceptor(registry.cacheFor(spec.id, cache)))
  const retry = retryPolicy(cfg.retry, d.retry)
  if (retry) request.push(retryInterceptor(retry))
  return request.length > 0 ? { request } : undefined
}
