// The name a run service is registered under, and so its routes `/<name>/*` and `<name>.localhost`:
// --name, else package.json's `sallyport` key (a string or { name }) or its `name` (without the scope),
// else the folder; in a linked git worktree on a branch other than main/master the branch prefixes it
// (`fix-login.myapp`), so two checkouts of one app do not take each other's name (as portless does).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { sanitizeServiceName } from '../discovery/index.ts'

export interface PackageJson {
  readonly name?: unknown
  readonly sallyport?: unknown
  readonly scripts?: Readonly<Record<string, string>>
  readonly workspaces?: unknown
}

/** The folder's package.json, or an empty one when there is none or it does not parse. */
export function readPackageJson(dir: string): PackageJson {
  try {
    const value: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as PackageJson) : {}
  } catch {
    return {}
  }
}

/** A DNS label's worth of a name: lower case, `-` for anything else, no leading or trailing `-`/`.`. */
export function serviceLabel(raw: string): string {
  return sanitizeServiceName(raw)
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
}

function packageName(pkg: PackageJson): string | undefined {
  const own = pkg.sallyport
  if (typeof own === 'string' && own.trim()) return own
  if (own && typeof own === 'object' && typeof (own as { name?: unknown }).name === 'string')
    return (own as { name: string }).name
  if (typeof pkg.name === 'string' && pkg.name.trim()) return pkg.name.replace(/^@[^/]+\//, '')
  return undefined
}

/**
 * The branch of a linked worktree (`git worktree add`), as a name prefix; undefined in the main checkout,
 * on main/master, on a detached HEAD, or outside git. Only the last segment: `feature/login` → `login`.
 */
export function worktreePrefix(dir: string): string | undefined {
  let out: string
  try {
    out = execFileSync('git', ['rev-parse', '--git-dir', '--git-common-dir', '--abbrev-ref', 'HEAD'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  } catch {
    return undefined
  }
  const [gitDir, commonDir, branch] = out.trim().split('\n')
  if (!gitDir || !commonDir || !branch) return undefined
  if (resolve(dir, gitDir) === resolve(dir, commonDir)) return undefined
  if (branch === 'HEAD' || branch === 'main' || branch === 'master') return undefined
  return serviceLabel(branch.split('/').pop() as string) || undefined
}

export interface NameChoice {
  readonly name: string
  /** Where it came from, told to the user: `--name`, `package.json`, `folder`, plus `+ branch`. */
  readonly from: string
}

/** An explicit --name is used as given; an inferred one gets the worktree prefix. */
export function serviceNameFor(dir: string, explicit?: string, pkg = readPackageJson(dir)): NameChoice {
  if (explicit !== undefined) return { name: serviceLabel(explicit), from: '--name' }
  const fromPackage = packageName(pkg)
  const base = serviceLabel(fromPackage ?? basename(resolve(dir))) || 'app'
  const from = fromPackage ? 'package.json' : 'folder name'
  const prefix = worktreePrefix(dir)
  return prefix
    ? { name: `${prefix}.${base}`, from: `${from}, prefixed by the worktree's branch` }
    : { name: base, from }
}
