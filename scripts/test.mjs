// `npm test`: lint + format check, typecheck, build, every node:test suite (mDNS ones inside a
// private network namespace), then the browser tests in Debian Chromium. Ends with one summary line.
import { spawnSync } from 'node:child_process'
import { existsSync, globSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ci = Boolean(process.env.CI)
const tmp = mkdtempSync(join(tmpdir(), 'sallyport-test-'))
const totals = { passed: 0, failed: 0, skipped: 0 }
const failures = []

function run(label, cmd, args, opts = {}) {
  process.stdout.write(`\n── ${label}: ${[cmd, ...args].join(' ')}\n`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...opts.env } })
  if (r.status !== 0) failures.push(`${label} (exit ${r.status ?? r.signal})`)
  return r.status === 0
}

function tapCounts(file) {
  if (!existsSync(file)) return
  const text = readFileSync(file, 'utf8')
  const n = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
  totals.passed += n('pass')
  totals.failed += n('fail') + n('cancelled')
  totals.skipped += n('skipped') + n('todo')
}

function nodeTests(label, files, extraEnv = {}, wrap) {
  const tap = join(tmp, `${label}.tap`)
  const args = [
    '--experimental-test-module-mocks',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=120000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ]
  if (wrap) run(label, wrap[0], [...wrap.slice(1), process.execPath, ...args], { env: extraEnv })
  else run(label, process.execPath, args, { env: extraEnv })
  tapCounts(tap)
}

run('lint + format', 'npx', ['biome', 'check', '.'])
run('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.node.json']) &&
  run('typecheck (renderer)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.web.json'])
const built = run('build', 'npx', ['electron-vite', 'build'])

// mDNS is multicast: those tests only ever run inside a private network namespace (below).
const isMdns = (f) => /(^|\/)mdns[^/]*\.test\.ts$/.test(f)
const testFiles = [
  ...globSync('src/**/*.test.ts'),
  ...globSync('e2e/**/*.test.ts'),
  ...globSync('bench/**/*.test.mjs'),
].sort()
nodeTests(
  'node tests',
  testFiles.filter((f) => !isMdns(f)),
)
const mdnsFiles = testFiles.filter(isMdns)
const canUnshare = spawnSync('unshare', ['--net', 'true']).status === 0
if (canUnshare) {
  nodeTests('mdns tests (private netns)', mdnsFiles, { SALLYPORT_MDNS_NETNS: '1' }, [
    'unshare',
    '--net',
    'sh',
    '-c',
    'ip link set lo up && exec "$@"',
    'sh',
  ])
} else {
  console.warn('mdns tests SKIPPED: `unshare --net` is not permitted here (needs root or user namespaces)')
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!built) {
  console.warn('browser tests SKIPPED: the build failed')
} else if (existsSync(chromium)) {
  const json = join(tmp, 'playwright.json')
  run('browser tests', 'npx', ['playwright', 'test', '--reporter=list,json'], {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: json },
  })
  if (existsSync(json)) {
    const stats = JSON.parse(readFileSync(json, 'utf8')).stats ?? {}
    totals.passed += (stats.expected ?? 0) + (stats.flaky ?? 0)
    totals.failed += stats.unexpected ?? 0
    totals.skipped += stats.skipped ?? 0
  }
} else if (ci) {
  failures.push(`browser tests: ${chromium} missing (apt-get install -y chromium)`)
} else {
  console.warn(`browser tests SKIPPED: ${chromium} not found (apt-get install -y chromium)`)
}

if (failures.length > 0) console.log(`\nfailed steps: ${failures.join('; ')}`)
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(failures.length > 0 || totals.failed > 0 ? 1 : 0)
