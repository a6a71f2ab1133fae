import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { workspacePackages } from './workspaces.ts'

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sp-run-ws-'))
})
after(() => rm(root, { recursive: true, force: true }))

function write(path: string, content: unknown): void {
  const file = join(root, path)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
}
const dev = { scripts: { dev: 'vite' } }
const listed = (dir: string) =>
  workspacePackages(join(root, dir)).map((p) => `${relative(join(root, dir), p.dir)}: ${p.argv.join(' ')}`)

describe('workspace packages for --all', () => {
  test('npm workspaces (array or { packages }), only packages with a dev script, the lockfile picks the manager', () => {
    write('npm/package.json', { workspaces: ['apps/*', 'tools/cli'] })
    write('npm/apps/web/package.json', dev)
    write('npm/apps/docs/package.json', dev)
    write('npm/apps/lib/package.json', { scripts: { build: 'tsc' } })
    write('npm/tools/cli/package.json', dev)
    assert.deepEqual(listed('npm'), [
      'apps/docs: npm run dev',
      'apps/web: npm run dev',
      'tools/cli: npm run dev',
    ])
    write('yarn/package.json', { workspaces: { packages: ['packages/*'] } })
    write('yarn/yarn.lock', '')
    write('yarn/packages/a/package.json', dev)
    assert.deepEqual(listed('yarn'), ['packages/a: yarn run dev'])
  })

  test('pnpm-workspace.yaml with ** and a negation', () => {
    write('pnpm/pnpm-workspace.yaml', "packages:\n  - 'apps/**'\n  - '!apps/legacy'\n")
    write('pnpm/apps/site/package.json', dev)
    write('pnpm/apps/group/admin/package.json', dev)
    write('pnpm/apps/legacy/package.json', dev)
    write('pnpm/apps/site/node_modules/dep/package.json', dev)
    assert.deepEqual(listed('pnpm'), ['apps/group/admin: pnpm run dev', 'apps/site: pnpm run dev'])
  })

  test('a folder without workspaces says what --all needs', () => {
    write('single/package.json', dev)
    assert.throws(() => workspacePackages(join(root, 'single')), /declares no workspaces/)
  })
})
