// A route's service-management programs, compiled with the route table and run once per request after
// the target is chosen and the request admitted (rate limit, JWT), before it goes upstream; a retry to
// another target does not run them again (pipeline/route-dispatch.ts). The programs of a route run in
// order; the first that stops ends the request with the gateway's own answer:
//   403 program-refused: a statement was false, or terminate_if / MustSuccess() stopped it. The program
//       decided the request may not pass, as a policy would.
//   500 program-failed: a statement failed (a runtime error) or the run went over its budget. The
//       program, that is the gateway's configuration, is at fault, not the client; a 503 would invite
//       clients to retry what fails the same way again.
import type { RouteSpec } from '../config/route-spec.ts'
import type { Settings } from '../config/settings.ts'
import type { RequestHead } from '../http/request-head.ts'
import {
  type CompileResult,
  compileProgram,
  RunBudget,
  type RunLimits,
  type RunResult,
} from '../programs/index.ts'
import type { DispatchHandler } from '../upstream/types.ts'
import type { ProxyContext } from './interceptor.ts'
import { effectivePolicy } from '../config/policy-defaults.ts'
import { compileJwt, type JwtOutcome, type JwtPolicy } from './jwt.ts'
import { answerProblem } from './local-answer.ts'
import { JwtResult, ProgramLogger, ProgramRequest, requestCtx, UpstreamView } from './program-environment.ts'
import { ResponseHeader } from './program-headers.ts'
import { publishProgramLog } from './program-log.ts'
import type { ProgramCounters, ProgramRegistry } from './program-registry.ts'

/**
 * The programs of one request together: at most this many steps and milliseconds. Steps are the bound
 * (10,000 take about 0.7 ms); the clock is the backstop for slow host calls, and is generous enough
 * that a process descheduled for a moment on a busy machine does not fail a sound program.
 */
export const PROGRAM_LIMITS: RunLimits = { maxSteps: 10_000, maxMs: 20 }

export interface ServicePrograms {
  /**
   * Runs the route's programs for one request bound for `targetId`; `proceed` when every one let it
   * pass, otherwise the request is answered through `handler`. May wait for a JWT to be verified.
   */
  run(ctx: ProxyContext, targetId: string, handler: DispatchHandler, proceed: () => void): void
}

interface RouteProgram {
  readonly name: string
  readonly compiled: CompileResult
  readonly counters: ProgramCounters
  readonly logger: ProgramLogger
}

const noKey = (): JwtOutcome => ({
  ok: false,
  status: 401,
  detail: "no JWT key is configured: set the route's jwt or dialects.serviceManagement.jwt",
  challenge: '',
})
const UNVERIFIABLE: JwtOutcome = { ok: false, status: 401, detail: 'token invalid', challenge: '' }

/** The token of a header: "Bearer <token>" or the bare token; undefined when there is none. */
function tokenIn(req: RequestHead, header: string): string | undefined {
  const raw = req.headers[header]
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? ''
  const token = /^bearer\s/i.test(value) ? value.slice(7).trim() : value
  return token === '' ? undefined : token
}

/** The headers the programs' `jwt(…)` calls read (lower case): verified before the programs run. */
function jwtHeadersOf(programs: readonly RouteProgram[]): string[] {
  const headers = new Set<string>()
  for (const p of programs) {
    if (!p.compiled.ok) continue
    for (const arg of p.compiled.program.firstArgumentsOf('jwt'))
      if (arg !== null) headers.add(arg === undefined || arg === '' ? 'authorization' : arg.toLowerCase())
  }
  return [...headers]
}

export function compileServicePrograms(
  spec: RouteSpec,
  settings: Settings,
  registry: ProgramRegistry | undefined,
): ServicePrograms | undefined {
  const cfg = spec.config
  if (registry === undefined || cfg.programs === undefined || cfg.programs.length === 0) return undefined
  const service = cfg.serviceName ?? spec.id
  const programs: RouteProgram[] = cfg.programs.map((p) => ({
    name: p.name,
    compiled: compileProgram(p.source),
    counters: registry.countersFor(service, p.name),
    logger: new ProgramLogger(service, p.name),
  }))
  const upstreams = new Map(
    spec.targets.map((t, i) => [t.id, new UpstreamView(t, cfg.targets[i]?.metadata, service)]),
  )
  const jwtHeaders = jwtHeadersOf(programs)
  // The route's JWT policy (its own or the gateway default's) gives the keys, else the dialect's.
  const jwtConfig =
    effectivePolicy(cfg, settings.policyDefaults, 'jwt')?.config ?? settings.dialects.serviceManagement?.jwt
  const jwt: JwtPolicy | undefined =
    jwtHeaders.length > 0 && jwtConfig !== undefined ? compileJwt({ ...jwtConfig, enabled: true }) : undefined
  const trustProxy = settings.trustProxy
  const variables = registry.variables
  const setGlobal = (key: unknown, value: unknown) => {
    registry.setVariable(key, value)
    return null
  }

  function execute(
    ctx: ProxyContext,
    targetId: string,
    handler: DispatchHandler,
    proceed: () => void,
    tokens: ReadonlyMap<string, JwtOutcome> | undefined,
  ): void {
    const env: Record<string, unknown> = {
      request: new ProgramRequest(ctx, trustProxy),
      response: { Header: new ResponseHeader(ctx) },
      upstream: upstreams.get(targetId) ?? null,
      ctx: requestCtx(ctx, service),
      logger: null,
      terminate_if: terminateIf,
      global: variables,
      set_global: setGlobal,
      jwt: (header?: unknown) => {
        const key = typeof header === 'string' && header !== '' ? header.toLowerCase() : 'authorization'
        const o = tokens?.get(key)
        if (o === undefined)
          return new JwtResult(undefined, 'jwt(header) takes the header name as a string literal')
        return o.ok
          ? new JwtResult(o.claims as Record<string, unknown>, null)
          : new JwtResult(undefined, o.detail)
      },
    }
    const budget = new RunBudget(PROGRAM_LIMITS)
    for (const p of programs) {
      p.counters.runs++
      env.logger = p.logger
      const result: RunResult = p.compiled.ok
        ? p.compiled.program.run(env, budget)
        : {
            ok: false,
            cause: 'error',
            reason: `it does not parse at line ${p.compiled.error.line}, column ${p.compiled.error.column}: ${p.compiled.error.message}`,
          }
      if (result.ok) continue
      const extra = { program: p.name, service }
      if (result.cause === 'false' || result.cause === 'refused') {
        p.counters.refusals++
        answerProblem(handler, ctx, 'program-refused', { detail: result.reason, extra })
      } else {
        p.counters.errors++
        const detail = `program ${p.name} of service ${service} failed: ${result.reason}`
        publishProgramLog('warn', service, p.name, () => `failed: ${result.reason}`)
        answerProblem(handler, ctx, 'program-failed', { detail, extra })
      }
      return
    }
    proceed()
  }

  return {
    run(ctx, targetId, handler, proceed) {
      if (jwtHeaders.length === 0) {
        execute(ctx, targetId, handler, proceed, undefined)
        return
      }
      const tokens = new Map<string, JwtOutcome>()
      const pending: Promise<unknown>[] = []
      for (const header of jwtHeaders) {
        const token = tokenIn(ctx.req, header)
        const known = jwt === undefined ? noKey() : jwt.cachedToken(token)
        if (known !== undefined) tokens.set(header, known)
        else
          pending.push(
            (jwt as JwtPolicy).verifyToken(token as string).then(
              (o) => tokens.set(header, o),
              () => tokens.set(header, UNVERIFIABLE),
            ),
          )
      }
      if (pending.length === 0) execute(ctx, targetId, handler, proceed, tokens)
      else
        Promise.all(pending).then(() => {
          // The client left while its token was verified: the pipeline's next step ends the request.
          if (ctx.gone) proceed()
          else execute(ctx, targetId, handler, proceed, tokens)
        })
    },
  }
}

/** `terminate_if(cond, reason?)`: an error value (the run stops with its reason) when cond is true. */
function terminateIf(flag: unknown, reason?: unknown): Error | null {
  if (typeof flag !== 'boolean') throw new Error(`terminate_if needs a bool, not ${typeof flag}`)
  if (!flag) return null
  return new Error(typeof reason === 'string' && reason !== '' ? reason : 'request terminated')
}
