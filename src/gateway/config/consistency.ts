// Envoy-style consistency pass: every route must be usable on its own and not collide with another.
import type { ConfigIssue } from '../model/index.ts'
import { compileProgram } from '../programs/index.ts'
import { reservedPrefixes } from './defaults.ts'
import type { RouteSpec } from './route-spec.ts'
import type { Settings } from './settings.ts'

function shadowsReserved(route: RouteSpec, reserved: readonly string[]): string | undefined {
  if (route.pathType === 'regex') return undefined
  const p = route.matchPath
  for (const r of reserved) {
    // A route at or below a reserved path would hide it; a prefix route above it (e.g. "/") is fine:
    // reserved paths are dispatched before the route table is consulted.
    if (p === r || p.startsWith(`${r}/`)) return r
  }
  return undefined
}

/** Returns the routes that can be served; the others are reported as issues and left out. */
export function checkConsistency(
  routes: readonly RouteSpec[],
  settings: Settings,
  issues: ConfigIssue[],
  /** Where a route was written (file, line, field), to point problems at it. */
  locate: (
    route: RouteSpec,
    field: 'id' | 'path' | 'programs',
  ) => { prefix: string; at: Partial<ConfigIssue> } = () => ({
    prefix: '',
    at: {},
  }),
): RouteSpec[] {
  const reserved = reservedPrefixes(settings.adminBasePath)
  const seen = new Set<string>()
  const ok: RouteSpec[] = []
  for (const route of routes) {
    const problem = (code: string, field: 'id' | 'path' | 'programs', message: string) => {
      const { prefix, at } = locate(route, field)
      issues.push({
        entity: 'route',
        id: route.id,
        source: route.source,
        code,
        message: `${prefix}${message}`,
        effect: 'disabled',
        ...at,
      })
    }
    if (seen.has(route.id)) {
      problem(
        'SP_ERR_ROUTE_DUPLICATE_ID',
        'id',
        `route id "${route.id}" is used twice; the later one is disabled`,
      )
      continue
    }
    const hit = shadowsReserved(route, reserved)
    if (hit) {
      problem(
        'SP_ERR_ROUTE_RESERVED_PATH',
        'path',
        `route path "${route.path}" would shadow the gateway's own "${hit}"`,
      )
      continue
    }
    if (route.pathType === 'regex') {
      try {
        new RegExp(route.matchPath)
      } catch (err) {
        problem(
          'SP_ERR_ROUTE_BAD_REGEX',
          'path',
          `route path "${route.path}" is not a valid regular expression: ${(err as Error).message}`,
        )
        continue
      }
    }
    const unparsed = badProgram(route)
    if (unparsed) {
      problem('SP_ERR_ROUTE_BAD_PROGRAM', 'programs', unparsed)
      continue
    }
    seen.add(route.id)
    ok.push(route)
  }
  return ok
}

/** Why the first program of the route that does not parse is refused (it would fail every request). */
function badProgram(route: RouteSpec): string | undefined {
  for (const p of route.config.programs ?? []) {
    const compiled = compileProgram(p.source)
    if (!compiled.ok) {
      const e = compiled.error
      return `program "${p.name}" of route "${route.id}" does not parse at line ${e.line}, column ${e.column}: ${e.message}`
    }
  }
  return undefined
}
