// `sallyport run --all`: the packages of a monorepo (npm/yarn/bun `workspaces` in package.json, or
// pnpm-workspace.yaml) that have a `dev` script, and the package manager that runs it.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { yaml } from '../util/yaml.ts'
import { readPackageJson } from './service-name.ts'

export interface WorkspacePackage {
  readonly dir: string
  /** `[pm, 'run', 'dev']`. */
  readonly argv: readonly string[]
}

/** The lockfile says which package manager the repository uses; npm when there is none. */
export function packageManagerOf(root: string): string {
  if (existsSync(join(root, 'pnpm-lock.yaml')) || existsSync(join(root, 'pnpm-workspace.yaml'))) return 'pnpm'
  if (existsSync(join(root, 'yarn.lock'))) return 'yarn'
  if (existsSync(join(root, 'bun.lockb')) || existsSync(join(root, 'bun.lock'))) return 'bun'
  return 'npm'
}

function patternsOf(root: string): string[] {
  const pnpm = join(root, 'pnpm-workspace.yaml')
  if (existsSync(pnpm)) {
    const value = yaml().parse(readFileSync(pnpm, 'utf8')) as { packages?: unknown } | null
    return Array.isArray(value?.packages) ? value.packages.map(String) : []
  }
  const workspaces = readPackageJson(root).workspaces
  const list = Array.isArray(workspaces)
    ? workspaces
    : (workspaces as { packages?: unknown } | undefined)?.packages
  return Array.isArray(list) ? list.map(String) : []
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
      .map((e) => join(dir, e.name))
      .sort()
  } catch {
    return []
  }
}

/** The folders a workspace pattern names: `apps/web`, `apps/*` (one level), `packages/**` (any depth). */
function expand(root: string, pattern: string): string[] {
  const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '')
  if (clean.endsWith('/**')) {
    const out: string[] = []
    const walk = (dir: string) => {
      for (const sub of subfolders(dir)) {
        out.push(sub)
        walk(sub)
      }
    }
    walk(resolve(root, clean.slice(0, -3)))
    return out
  }
  if (clean.endsWith('/*')) return subfolders(resolve(root, clean.slice(0, -2)))
  if (clean.includes('*'))
    throw new Error(`workspace pattern ${pattern}: only dir, dir/* and dir/** are supported`)
  return [resolve(root, clean)]
}

/** Every workspace package under `root` with a `dev` script, in pattern order, each once. */
export function workspacePackages(root: string): WorkspacePackage[] {
  const patterns = patternsOf(root)
  if (patterns.length === 0)
    throw new Error(
      `${root} declares no workspaces (package.json "workspaces" or pnpm-workspace.yaml): --all runs every workspace package's dev script`,
    )
  const excluded = new Set(patterns.filter((p) => p.startsWith('!')).flatMap((p) => expand(root, p.slice(1))))
  const pm = packageManagerOf(root)
  const seen = new Set<string>()
  const out: WorkspacePackage[] = []
  for (const pattern of patterns.filter((p) => !p.startsWith('!')))
    for (const dir of expand(root, pattern)) {
      if (seen.has(dir) || excluded.has(dir) || relative(root, dir) === '') continue
      seen.add(dir)
      if (typeof readPackageJson(dir).scripts?.dev === 'string') out.push({ dir, argv: [pm, 'run', 'dev'] })
    }
  return out
}
