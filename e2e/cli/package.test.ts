// The npm package as users get it: `npm pack`, installed into a clean folder from the tarball, started
// through npx. It must carry its licence and every file the README links to, leave out what only the
// desktop app uses, install no analytics hook, and serve the dashboard and Swagger UI from itself.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const built = existsSync(join(root, 'out/main/cli.js'))
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` }
const work = mkdtempSync(join(tmpdir(), 'sallyport-pack-'))
const app = join(work, 'app')
let packed: { filename: string; files: { path: string }[] } | undefined

function sh(cmd: string, args: string[], cwd: string, timeout = 180_000) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout })
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

function bytesUnder(dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) n += bytesUnder(p)
    else if (e.isFile()) n += statSync(p).size
  }
  return n
}

before(() => {
  if (!built) return
  // --ignore-scripts: `prepack` would build again; npm test has just built out/.
  const json = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root)
  packed = JSON.parse(json)[0]
})
after(() => rmSync(work, { recursive: true, force: true }))

test('the tarball holds the licence and every file the README links to, and nothing only Electron uses', {
  skip: !built && 'out/ not built (npm test builds it first)',
}, () => {
  const files = new Set(packed?.files.map((f) => f.path))
  assert.ok(files.has('LICENSE'), 'LICENSE (package.json says Apache-2.0)')
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/)
  const docs = [
    root + 'README.md',
    root + 'BENCHMARKS.md',
    ...['architecture', 'errors', 'tls'].map((d) => `${root}docs/${d}.md`),
  ]
  for (const doc of docs) {
    for (const [, target] of readFileSync(doc, 'utf8').matchAll(/\]\(([^)#:\s]+)(?:#[^)]*)?\)/g)) {
      const rel = join(dirname(doc.slice(root.length)), target as string)
      assert.ok(files.has(rel), `${doc.slice(root.length)} links to ${rel}, which the package must carry`)
    }
  }
  for (const path of files) {
    assert.ok(!path.startsWith('out/preload/') && path !== 'out/main/index.js', `${path}: Electron only`)
    assert.ok(
      !path.startsWith('resources/icons/') && !path.startsWith('resources/tray/'),
      `${path}: desktop only`,
    )
  }
  assert.ok(files.has('out/renderer/swagger/swagger-ui-bundle.js'), 'Swagger UI ships inside the package')
})

test('installed from the tarball in a clean folder: no analytics hook, npx starts it, dashboard and Swagger UI served', {
  skip: !built && 'out/ not built (npm test builds it first)',
  timeout: 300_000,
}, async (t) => {
  writeFileSync(join(work, 'package.json'), '{"private":true}')
  sh('mkdir', ['-p', app], work)
  writeFileSync(join(app, 'package.json'), '{"name":"clean-folder","private":true}')
  sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed?.filename as string)],
    app,
  )
  const modules = join(app, 'node_modules')
  assert.ok(!existsSync(join(modules, '@scarf')), '@scarf/scarf (postinstall analytics) is not installed')
  assert.ok(!existsSync(join(modules, 'swagger-ui-dist')), 'swagger-ui-dist is a build-time dependency only')
  assert.ok(!existsSync(join(modules, 'electron')), 'no Electron for a headless install')
  t.diagnostic(`install size: ${(bytesUnder(modules) / 1e6).toFixed(1)} MB of node_modules`)

  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
  const child = spawn(
    'npx',
    ['--no-install', 'sallyport', '--no-discovery', '--port', String(port), '--data-dir', join(work, 'data')],
    { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  child.stderr.on('data', (d) => {
    out += d
  })
  try {
    const until = Date.now() + 20_000
    while (!/listening on/.test(out)) {
      assert.ok(Date.now() < until && child.exitCode === null, `did not start: ${out}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    const base = `http://127.0.0.1:${port}/gateway`
    const dashboard = await fetch(`${base}/`)
    assert.equal(dashboard.status, 200)
    assert.match(await dashboard.text(), /<div id="root">|<script/)
    const page = await (await fetch(`${base}/swagger`)).text()
    assert.match(page, /swagger-ui-bundle\.js/)
    const bundle = await fetch(`${base}/swagger/swagger-ui-bundle.js`)
    assert.equal(bundle.status, 200)
    assert.ok(
      Number(bundle.headers.get('content-length') ?? (await bundle.arrayBuffer()).byteLength) > 100_000,
    )
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('close', r))
  }
})
