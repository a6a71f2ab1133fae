import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FRAMEWORK_RULES, injectFrameworkFlags } from './framework-flags.ts'

const inject = (command: string, scripts: Record<string, string> = {}) =>
  injectFrameworkFlags(command.split(' '), 4321, scripts)
const line = (command: string, scripts: Record<string, string> = {}) =>
  inject(command, scripts).argv.join(' ')

describe('framework flags: one test per rule', () => {
  const cases: [framework: string, command: string, expected: string][] = [
    ['Vite', 'vite', 'vite --port 4321 --strictPort --host 127.0.0.1'],
    ['Astro', 'astro dev', 'astro dev --port 4321 --host 127.0.0.1'],
    ['Angular', 'ng serve', 'ng serve --port 4321 --host 127.0.0.1'],
    ['Next.js', 'next dev', 'next dev --port 4321 --hostname 127.0.0.1'],
    ['Nuxt', 'nuxi dev', 'nuxi dev --port 4321 --host 127.0.0.1'],
    ['Remix (Vite)', 'remix vite:dev', 'remix vite:dev --port 4321 --strictPort --host 127.0.0.1'],
    ['React Router', 'react-router dev', 'react-router dev --port 4321 --strictPort --host 127.0.0.1'],
    ['Expo', 'expo start', 'expo start --port 4321 --host localhost'],
  ]
  test('every rule in the table has a case here', () => {
    assert.deepEqual(
      FRAMEWORK_RULES.map((r) => r.framework),
      cases.map(([f]) => f),
    )
  })
  for (const [framework, command, expected] of cases)
    test(`${framework}: ${command}`, () => {
      const result = inject(command)
      assert.equal(result.argv.join(' '), expected)
      assert.equal(result.framework, framework)
    })
})

describe('framework flags: where the framework is found', () => {
  test('behind package runners and their flags', () => {
    assert.equal(line('npx --yes vite'), 'npx --yes vite --port 4321 --strictPort --host 127.0.0.1')
    assert.equal(line('pnpm exec astro dev'), 'pnpm exec astro dev --port 4321 --host 127.0.0.1')
    assert.equal(line('npm exec -- ng serve'), 'npm exec -- ng serve --port 4321 --host 127.0.0.1')
    assert.equal(line('yarn dlx nuxi dev'), 'yarn dlx nuxi dev --port 4321 --host 127.0.0.1')
    assert.equal(line('bunx next dev'), 'bunx next dev --port 4321 --hostname 127.0.0.1')
    assert.equal(line('yarn vite'), 'yarn vite --port 4321 --strictPort --host 127.0.0.1')
    assert.equal(
      line('./node_modules/.bin/vite dev'),
      './node_modules/.bin/vite dev --port 4321 --strictPort --host 127.0.0.1',
    )
  })

  test('in the package.json script a package manager runs (npm needs `--` to pass flags)', () => {
    const scripts = { dev: 'vite', start: 'next start', web: 'cross-env NODE_ENV=development astro dev' }
    assert.equal(line('npm run dev', scripts), 'npm run dev -- --port 4321 --strictPort --host 127.0.0.1')
    assert.equal(line('npm start', scripts), 'npm start -- --port 4321 --hostname 127.0.0.1')
    assert.equal(line('pnpm dev', scripts), 'pnpm dev --port 4321 --strictPort --host 127.0.0.1')
    assert.equal(line('yarn run web', scripts), 'yarn run web --port 4321 --host 127.0.0.1')
    assert.equal(line('bun run dev', scripts), 'bun run dev --port 4321 --strictPort --host 127.0.0.1')
    assert.equal(
      line('npm run dev -- --open', scripts),
      'npm run dev -- --open --port 4321 --strictPort --host 127.0.0.1',
    )
  })

  test('a script of several commands gets nothing appended, and says why', () => {
    const result = inject('npm run dev', { dev: 'tsc -w & vite' })
    assert.equal(result.argv.join(' '), 'npm run dev')
    assert.match(result.note ?? '', /"dev" script is more than one command.*Vite: only PORT is set/)
  })

  test("the user's own --port and --host stay, and nothing is added twice", () => {
    assert.equal(line('vite --port 3000'), 'vite --port 3000 --host 127.0.0.1')
    assert.equal(line('vite --host=0.0.0.0'), 'vite --host=0.0.0.0 --port 4321 --strictPort')
    assert.equal(line('next dev -p 3000 -H ::1'), 'next dev -p 3000 -H ::1')
    assert.equal(inject('next dev -p 3000 -H ::1').framework, undefined)
    assert.equal(line('expo start --lan'), 'expo start --lan --port 4321')
    assert.equal(
      line('npm run dev -- --port 3000', { dev: 'vite' }),
      'npm run dev -- --port 3000 --host 127.0.0.1',
    )
  })

  test('commands that start no dev server, or read PORT, are left alone', () => {
    for (const command of [
      'node server.mjs',
      'vite build',
      'astro build',
      'ng test',
      'remix dev',
      'npm test',
    ])
      assert.deepEqual(inject(command, { test: 'vite' }).argv, command.split(' '), command)
    assert.equal(line('npm run serve', { serve: 'node server.js' }), 'npm run serve')
  })
})
