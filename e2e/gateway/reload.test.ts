import assert from 'node:assert/strict'
import { open, rename, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { eventually, send, startGateway, startUpstream, tempDir, type Upstream } from './helpers.ts'

const yamlFor = (routes: { path: string; url: string }[]) =>
  `routes:\n${routes.map((r) => `  - path: ${r.path}\n    targets:\n      - url: ${r.url}\n`).join('')}`

describe('config file hot reload', () => {
  let a: Upstream
  let b: Upstream
  let slow: Upstream
  let gw: Awaited<ReturnType<typeof startGateway>>
  const dir = tempDir()
  const file = join(dir, 'gateway.yaml')

  before(async () => {
    a = await startUpstream('a')
    b = await startUpstream('b')
    slow = await startUpstream('slow', (_req, res) => {
      res.writeHead(200, { 'x-upstream': 'slow' })
      res.write('first ')
      setTimeout(() => res.end('last'), 400).unref()
    })
    await writeFile(
      file,
      yamlFor([
        { path: '/one', url: a.url },
        { path: '/slow', url: slow.url },
      ]),
    )
    gw = await startGateway({}, { configFile: file })
  })
  after(async () => {
    await gw.close()
    await Promise.all([a.close(), b.close(), slow.close()])
  })

  test('an editor-style atomic save (write temp, rename) is picked up', async () => {
    assert.equal((await send(`${gw.base}/two`)).status, 404)
    const tmp = join(dir, '.gateway.yaml.swp')
    await writeFile(
      tmp,
      yamlFor([
        { path: '/one', url: a.url },
        { path: '/two', url: b.url },
        { path: '/slow', url: slow.url },
      ]),
    )
    await rename(tmp, file)
    await eventually(async () => (await send(`${gw.base}/two`)).status === 200)
    assert.equal((await send(`${gw.base}/two`)).headers['x-upstream'], 'b')
  })

  test('a rename-save whose only new route is broken lists it (not applied) and keeps the version', async () => {
    const before = gw.core.watcher.current
    const tmp = join(dir, '.gateway.yaml.tmp')
    await writeFile(
      tmp,
      `${yamlFor([
        { path: '/one', url: a.url },
        { path: '/two', url: b.url },
        { path: '/slow', url: slow.url },
      ])}  - path: /late\n    timeout: 5 seconds\n    targets:\n      - url: ${b.url}\n`,
    )
    await rename(tmp, file)
    await eventually(() => gw.core.watcher.issues().some((i) => i.id === 'config-/late'))
    const issue = gw.core.watcher.issues().find((i) => i.id === 'config-/late')
    assert.match(issue?.message ?? '', /gateway\.yaml:\d+: routes\[3\]\.timeout: must be milliseconds/)
    assert.equal(issue?.field, 'routes[3].timeout')
    assert.equal(gw.core.watcher.current.version, before.version, 'nothing new was applied')
    assert.equal((await send(`${gw.base}/late`)).status, 404)
    // Fixing it by taking the route out again: the problem disappears.
    await writeFile(
      file,
      yamlFor([
        { path: '/one', url: a.url },
        { path: '/two', url: b.url },
        { path: '/slow', url: slow.url },
      ]),
    )
    await eventually(() => gw.core.watcher.issues().length === 0)
  })

  test('a broken file keeps the last good routes serving and says what is wrong', async () => {
    const version = gw.core.watcher.current.version
    await writeFile(file, 'routes:\n  - path: /one\n    targets: [ { url: http://127.0.0.1:1 \n')
    await eventually(() => gw.core.watcher.sources().some((s) => s.error !== undefined))
    const error = gw.core.watcher.sources().find((s) => s.source === 'config')?.error
    assert.match(error?.message ?? '', /gateway\.yaml:\d+/)
    assert.equal(gw.core.watcher.current.version, version)
    assert.equal((await send(`${gw.base}/one`)).status, 200)
    // A file that parses but has one bad route: that route is disabled, the rest applies.
    await writeFile(
      file,
      `routes:\n  - path: /one\n    targets:\n      - url: ${a.url}\n  - path: /bad\n    targets:\n      - url: not-a-url\n`,
    )
    await eventually(() => gw.core.watcher.current.version > version)
    const issue = gw.core.watcher.current.issues.find((i) => i.id === 'config-/bad')
    assert.ok(issue, 'the bad route is reported')
    assert.match(issue.message, /gateway\.yaml:7: routes\[1\]\.targets\[0\]\.url/)
    assert.equal((await send(`${gw.base}/one`)).status, 200)
    assert.equal((await send(`${gw.base}/bad`)).status, 404)
  })

  test('every way an editor saves is picked up: in place, rename over, delete + recreate, vim backup', async () => {
    const published: number[] = []
    gw.core.watcher.subscribe((next) => {
      published.push(next.routes.length)
    })
    const base = [
      { path: '/one', url: a.url },
      { path: '/slow', url: slow.url },
    ]
    const styles: Record<string, (text: string) => Promise<void>> = {
      'in place': (text) => writeFile(file, text),
      'in place, truncated first and written 150 ms later': async (text) => {
        const handle = await open(file, 'w')
        await new Promise((r) => setTimeout(r, 150))
        await handle.writeFile(text)
        await handle.close()
      },
      'rename over': async (text) => {
        await writeFile(`${file}.new`, text)
        await rename(`${file}.new`, file)
      },
      'delete + recreate': async (text) => {
        await unlink(file)
        await new Promise((r) => setTimeout(r, 30))
        await writeFile(file, text)
      },
      'vim (backup by rename, write new, drop backup)': async (text) => {
        await rename(file, `${file}~`)
        await writeFile(file, text)
        await unlink(`${file}~`)
      },
    }
    for (const [style, save] of Object.entries(styles)) {
      const path = `/${style.split(' ')[0]}-${Object.keys(styles).indexOf(style)}`
      await save(yamlFor([...base, { path, url: b.url }]))
      await eventually(async () => (await send(`${gw.base}${path}`)).status === 200).catch(() =>
        assert.fail(`${style}: ${path} was not picked up`),
      )
    }
    assert.ok(!published.includes(0), `a half-written file was applied as empty: ${published}`)
    assert.deepEqual(gw.core.watcher.issues(), [])
  })

  test('a request in flight during a swap finishes on the table it started with', async () => {
    await writeFile(
      file,
      yamlFor([
        { path: '/one', url: a.url },
        { path: '/slow', url: slow.url },
      ]),
    )
    await eventually(async () => (await send(`${gw.base}/slow`)).status === 200)
    const inFlight = send(`${gw.base}/slow`)
    await new Promise((r) => setTimeout(r, 100))
    await writeFile(file, yamlFor([{ path: '/one', url: a.url }]))
    await eventually(async () => (await send(`${gw.base}/slow`)).status === 404)
    const r = await inFlight
    assert.equal(r.status, 200)
    assert.equal(r.body.toString(), 'first last')
  })
})
