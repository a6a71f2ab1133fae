// Whole source configurations in, one immutable, versioned, hashed snapshot out.
// clone → validate → consistency → per-entity problems → freeze (fastify initial-config-validation,
// Traefik runtime per-entity errors, Envoy consistent snapshots).
import { GatewayError } from '../errors.ts'
import type { ConfigIssue, GatewayConfig, RouteConfig, RouteSource } from '../model/index.ts'
import { cloneData } from '../util/clone-data.ts'
import { contentHash } from '../util/content-hash.ts'
import { deepFreeze } from '../util/deep-freeze.ts'
import { checkConsistency } from './consistency.ts'
import type { LoadedFile } from './load.ts'
import { routeDefaults } from './route-check.ts'
import { defaultRouteId, type RouteSpec, toRouteSpec } from './route-spec.ts'
import { applyServiceSettings, type ServiceSettingsMap } from './service-settings.ts'
import { resolveSettings, type Settings, type SettingsOverrides } from './settings.ts'
import { checkRoute, checkSettings, formatPath } from './validate.ts'

/** What one provider publishes: always its whole namespace, never a delta. */
export interface SourceConfig {
  readonly source: RouteSource
  readonly routes: readonly unknown[]
  /** Gateway-wide settings; only the config-file provider sends them. */
  readonly settings?: GatewayConfig | undefined
  /** Where the config came from, for line numbers in messages. */
  readonly file?: LoadedFile | undefined
  /** Admin-set enabled/disabled state by route id, for routes of any source (the manual store sends it). */
  readonly routeOverrides?: Readonly<Record<string, boolean>> | undefined
  /** Admin-set settings by service name, laid over every route of that service (the manual store sends them). */
  readonly serviceSettings?: ServiceSettingsMap | undefined
}

export interface Snapshot {
  readonly version: number
  readonly hash: string
  readonly settings: Settings
  /** The effective configuration as given (routes of every source), for GET /config. */
  readonly config: GatewayConfig
  readonly routes: readonly RouteSpec[]
  readonly issues: readonly ConfigIssue[]
  readonly configFile: string | undefined
  /** Where a config-file route is written (file, 1-based line); undefined for routes of other sources. */
  readonly routeLocation?: ((id: string) => RouteLocation | undefined) | undefined
}

export interface RouteLocation {
  readonly file: string
  readonly line: number | undefined
}

/** Where a field is: the `file:line: ` prefix of a message and the issue's file, line and field. */
function locate(
  file: LoadedFile | undefined,
  path: readonly (string | number)[],
): { prefix: string; at: Pick<ConfigIssue, 'file' | 'line' | 'field'> } {
  const field = formatPath(path)
  if (!file) return { prefix: '', at: { field } }
  const line = file.lineOf(path)
  return {
    prefix: `${file.file}${line ? `:${line}` : ''}: `,
    at: { file: file.file, ...(line ? { line } : {}), field },
  }
}

/**
 * Checks the settings part of a config file; throws one clear line naming file, line and field of the
 * first problem, with every problem (message, file, line, field) in `details.problems`.
 */
export function validateSettings(value: unknown, file?: LoadedFile): GatewayConfig {
  const problems = checkSettings(value)
  if (problems.length === 0) return value as GatewayConfig
  const located = problems.map((p) => {
    const { prefix, at } = locate(file, p.path)
    return { ...at, message: `${prefix}${at.field}: ${p.message}` }
  })
  const first = located[0] as (typeof located)[number]
  throw new GatewayError('SP_ERR_CONFIG_INVALID', first.message, { ...first, problems: located })
}

export interface BuildOptions {
  readonly version: number
  readonly overrides?: SettingsOverrides | undefined
}

export function buildSnapshot(sources: readonly SourceConfig[], opts: BuildOptions): Snapshot {
  const fileSource = sources.find((s) => s.settings !== undefined)
  const base: GatewayConfig = cloneData(fileSource?.settings ?? {})
  const settings = resolveSettings(base, opts.overrides)
  const defaults = routeDefaults(settings)
  const issues: ConfigIssue[] = []
  const routes: RouteSpec[] = []
  const given: RouteConfig[] = []
  const usedIds = new Set<string>()
  const written = new Map<RouteSpec, { file: LoadedFile | undefined; index: number }>()
  const services: ServiceSettingsMap = Object.assign({}, ...sources.map((s) => s.serviceSettings ?? {}))
  for (const source of sources) {
    source.routes.forEach((raw, index) => {
      const cfg = cloneData(raw)
      if (typeof cfg === 'object' && cfg !== null && !Array.isArray(cfg))
        applyServiceSettings(cfg as Record<string, unknown>, services)
      const problems = checkRoute(cfg)
      const loosely = cfg as { id?: unknown; path?: unknown }
      const id =
        typeof loosely.id === 'string'
          ? loosely.id
          : `${source.source}-${typeof loosely.path === 'string' ? loosely.path : `#${index}`}`
      if (problems.length > 0) {
        // Every bad field of the route, so one save can fix them all.
        for (const problem of problems) {
          const { prefix, at } = locate(source.file, ['routes', index, ...problem.path])
          issues.push({
            entity: 'route',
            id,
            source: source.source,
            code: 'SP_ERR_ROUTE_INVALID',
            message: `${prefix}${at.field}: ${problem.message}`,
            effect: 'disabled',
            ...at,
          })
        }
        return
      }
      const route = cfg as RouteConfig
      // Routes without an id may share a path (different methods, hosts…): number the later ones.
      if (route.id === undefined) {
        const base = defaultRouteId(source.source, route)
        let n = 1
        while (usedIds.has(n === 1 ? base : `${base}#${n}`)) n++
        if (n > 1) route.id = `${base}#${n}`
      }
      const spec = toRouteSpec(source.source, route, defaults)
      written.set(spec, { file: source.file, index })
      usedIds.add(spec.id)
      given.push(route)
      routes.push(spec)
    })
  }
  const overrides: Record<string, boolean> = Object.assign({}, ...sources.map((s) => s.routeOverrides ?? {}))
  const consistent = checkConsistency(routes, settings, issues, (route, field) => {
    const at = written.get(route)
    return at?.file ? locate(at.file, ['routes', at.index, field]) : { prefix: '', at: {} }
  }).map((r) =>
    r.source !== 'manual' && overrides[r.id] !== undefined
      ? { ...r, enabled: overrides[r.id] as boolean }
      : r,
  )
  const config: GatewayConfig = { ...base, routes: given }
  // Lines are looked up only when asked: finding one parses the file's YAML tree (the fast path skips it).
  const writtenAt = new Map<string, { file: LoadedFile; index: number }>()
  for (const [spec, at] of written) if (at.file) writtenAt.set(spec.id, { file: at.file, index: at.index })
  const routeLocation = (id: string): RouteLocation | undefined => {
    const at = writtenAt.get(id)
    return at && { file: at.file.file, line: at.file.lineOf(['routes', at.index]) }
  }
  const hash = contentHash({
    settings,
    routes: consistent.map((r) => r.config),
    ids: consistent.map((r) => r.id),
    enabled: consistent.map((r) => r.enabled),
  })
  return deepFreeze({
    version: opts.version,
    hash,
    settings,
    config,
    routes: consistent,
    issues,
    configFile: fileSource?.file?.file,
    routeLocation,
  })
}
