// `sallyport validate` and a running gateway's hot reload must find the same problems in the same
// words. Every file in ./broken-configs is saved over the config file a real gateway watches (an
// editor's rename-save), and the problems GET /gateway/api/config lists are compared with what
// `validate` prints for that same file. Between two broken files the good one comes back and every
// problem must be gone.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { eventually, startUpstream, tempDir, type Upstream } from '../gateway/helpers.ts'
import { type RunningCli, runCli, startCli } from './run-cli.ts'

const corpus = fileURLToPath(new URL('./broken-configs/', import.meta.url))
const files = readdirSync(corpus).sort()

interface ConfigBody {
  version: number
  status: string
  issues: { id: string; entity: string; message: string; source: string; file?: string }[]
}

describe('validate and hot reload agree on every broken file', () => {
  const dir = tempDir('sallyport-truth-')
  let up: Upstream
  /** One gateway per file type: a .json file is held to JSON, a .yaml one to YAML. */
  const gateways = new Map<string, { file: string; cli: RunningCli }>()
  const good = (file: string) =>
    file.endsWith('.json')
      ? JSON.stringify({ routes: [{ id: 'good', path: '/good', targets: [{ url: up.url }] }] })
      : `routes:\n  - id: good\n    path: /good\n    targets:\n      - url: ${up.url}\n`
  /** An editor's save: write a temp file beside the target, rename it over. */
  const save = (file: string, text: string) => {
    writeFileSync(`${file}.tmp`, text)
    renameSync(`${file}.tmp`, file)
  }
  const get = async <T>(cli: RunningCli, path: string): Promise<T> =>
    (await (await fetch(`${cli.url}/gateway/api/${path}`)).json()) as T

  before(async () => {
    up = await startUpstream('good')
    for (const ext of ['yaml', 'json']) {
      const file = join(dir, `sallyport.${ext}`)
      writeFileSync(file, good(file))
      const cli = await startCli(['--config', file, '--port', '0', '--no-discovery', '--data-dir', dir])
      gateways.set(ext, { file, cli })
    }
  })
  after(async () => {
    for (const { cli } of gateways.values()) await cli.stop('SIGTERM')
    await up.close()
  })

  test('the corpus covers parse errors of both formats, settings and route problems', () => {
    assert.ok(files.length >= 20, `${files.length} files`)
    for (const kind of ['parse-yaml-', 'parse-json-', 'settings-', 'route-'])
      assert.ok(
        files.some((f) => f.startsWith(kind)),
        kind,
      )
  })

  for (const name of files) {
    test(name, async () => {
      const { file, cli } = gateways.get(name.endsWith('.json') ? 'json' : 'yaml') as {
        file: string
        cli: RunningCli
      }
      const config = () => get<ConfigBody>(cli, 'config')
      save(file, good(file))
      await eventually(async () => {
        const c = await config()
        return c.status === 'applied' && c.issues.length === 0
      })
      const before = await config()
      // The gateway reloads the broken file while validate reads the very same bytes.
      save(file, readFileSync(join(corpus, name), 'utf8'))
      const validate = runCli(['validate', file])
      assert.equal(validate.code, 1, `validate must refuse ${name}: ${validate.stdout}`)
      const expected = validate.stderr.trim().split('\n').slice(0, -1)
      assert.ok(expected.length > 0, validate.stderr)
      let seen: string[] = []
      await eventually(async () => {
        seen = (await config()).issues.map((i) => i.message)
        return seen.length >= expected.length
      }).catch(() => {})
      assert.deepEqual(seen, expected)
      const after = await config()
      assert.ok(after.issues.every((i) => i.source === 'config' && i.file === file))
      assert.notEqual(after.status, 'applied')
      if (after.status === 'rejected') assert.equal(after.version, before.version, 'nothing applied')
      // What is listed is not served: no problem route is in the route table.
      const served = new Set((await get<{ id: string }[]>(cli, 'routes')).map((r) => r.id))
      for (const issue of after.issues.filter((i) => i.entity === 'route'))
        if (issue.id !== 'users') assert.ok(!served.has(issue.id), `${issue.id} is not served`)
    })
  }
})
