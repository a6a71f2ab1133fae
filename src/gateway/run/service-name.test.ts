import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { serviceLabel, serviceNameFor } from './service-name.ts'

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sp-run-name-'))
})
after(() => rm(root, { recursive: true, force: true }))

async function folder(name: string, pkg?: unknown): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  if (pkg !== undefined) await writeFile(join(dir, 'package.json'), JSON.stringify(pkg))
  return dir
}

describe('run service names', () => {
  test('--name wins, then package.json sallyport (string or { name }), then name, then the folder', async () => {
    const dir = await folder('Web App', { name: '@acme/storefront', sallyport: 'shop' })
    assert.deepEqual(serviceNameFor(dir, 'Demo'), { name: 'demo', from: '--name' })
    assert.deepEqual(serviceNameFor(dir), { name: 'shop', from: 'package.json' })
    assert.equal(serviceNameFor(await folder('a', { name: 'x', sallyport: { name: 'api' } })).name, 'api')
    assert.equal(serviceNameFor(await folder('b', { name: '@acme/storefront' })).name, 'storefront')
    assert.deepEqual(serviceNameFor(await folder('My_Site')), { name: 'my-site', from: 'folder name' })
  })

  test('names become DNS labels', () => {
    assert.equal(serviceLabel('  My Shop!! '), 'my-shop')
    assert.equal(serviceLabel('--x--'), 'x')
  })

  test('a linked git worktree on a branch prefixes the inferred name; main checkout and main branch do not', async () => {
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' })
    const repo = await folder('repo', { name: 'myapp' })
    git(repo, 'init', '-q', '-b', 'main')
    git(repo, 'add', '.')
    git(repo, 'commit', '-q', '-m', 'init')
    git(repo, 'worktree', 'add', '-q', '-b', 'feature/fix-login', join(root, 'wt-fix'))
    git(repo, 'worktree', 'add', '-q', '-b', 'master', join(root, 'wt-master'))
    assert.deepEqual(serviceNameFor(join(root, 'wt-fix')), {
      name: 'fix-login.myapp',
      from: "package.json, prefixed by the worktree's branch",
    })
    assert.equal(serviceNameFor(join(root, 'wt-fix'), 'demo').name, 'demo')
    assert.equal(serviceNameFor(repo).name, 'myapp')
    assert.equal(serviceNameFor(join(root, 'wt-master')).name, 'myapp')
    git(repo, 'checkout', '-q', '-b', 'topic')
    assert.equal(serviceNameFor(repo).name, 'myapp', 'the main checkout is never prefixed')
  })
})
