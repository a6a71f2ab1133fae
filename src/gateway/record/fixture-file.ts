// One recorded exchange per file: what the client sent and what the upstream answered, as
// `sallyport record` writes it and `sallyport --replay` reads it. Bodies are kept byte for byte (UTF-8
// text as text, anything else base64); header values the inspector redacts are written as
// `[redacted]` and never replayed.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export const FIXTURE_VERSION = 1
export const REDACTED = '[redacted]'

export type FixtureHeaders = Record<string, string | string[]>

export interface FixtureBody {
  readonly encoding: 'utf8' | 'base64'
  readonly data: string
}

export interface Fixture {
  readonly version: typeof FIXTURE_VERSION
  readonly recordedAt: string
  readonly route: string
  readonly request: {
    readonly method: string
    /** Path and query as the client sent them. */
    readonly path: string
    readonly headers: FixtureHeaders
    readonly body?: FixtureBody
  }
  readonly response: {
    readonly status: number
    readonly headers: FixtureHeaders
    readonly body?: FixtureBody
  }
  /** False when a body was larger than the recorder could keep: replaying it gives the cut bytes. */
  readonly complete: boolean
}

export function encodeBody(bytes: Buffer | undefined): FixtureBody | undefined {
  if (!bytes || bytes.length === 0) return undefined
  const text = bytes.toString('utf8')
  return Buffer.byteLength(text) === bytes.length && !text.includes('\uFFFD')
    ? { encoding: 'utf8', data: text }
    : { encoding: 'base64', data: bytes.toString('base64') }
}

export function decodeBody(body: FixtureBody | undefined): Buffer {
  if (!body) return Buffer.alloc(0)
  return Buffer.from(body.data, body.encoding === 'base64' ? 'base64' : 'utf8')
}

/** `0007-GET-users-42.json`: recording order first, then enough of the request to find it by eye. */
export function fixtureName(seq: number, method: string, path: string): string {
  const slug = path
    .split('?')[0]
    ?.replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return `${String(seq).padStart(4, '0')}-${method}-${slug || 'root'}.json`
}

function problem(file: string, what: string): Error {
  return new Error(`${file}: ${what} (not a fixture written by sallyport record)`)
}

function isHeaders(v: unknown): v is FixtureHeaders {
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.values(v).every(
      (x) => typeof x === 'string' || (Array.isArray(x) && x.every((y) => typeof y === 'string')),
    )
  )
}

function isBody(v: unknown): boolean {
  if (v === undefined) return true
  const b = v as FixtureBody
  return (
    typeof b === 'object' &&
    b !== null &&
    (b.encoding === 'utf8' || b.encoding === 'base64') &&
    typeof b.data === 'string'
  )
}

/** Checks one parsed file; throws naming the file and the field that is wrong. */
export function checkFixture(file: string, value: unknown): Fixture {
  const f = value as Fixture
  if (typeof f !== 'object' || f === null) throw problem(file, 'not a JSON object')
  if (f.version !== FIXTURE_VERSION) throw problem(file, `version must be ${FIXTURE_VERSION}`)
  const rq = f.request
  const rs = f.response
  if (typeof rq?.method !== 'string' || typeof rq.path !== 'string' || !rq.path.startsWith('/'))
    throw problem(file, 'request.method and request.path (starting with /) are required')
  if (!isHeaders(rq.headers) || !isBody(rq.body))
    throw problem(file, 'request.headers or request.body is malformed')
  if (!Number.isInteger(rs?.status) || rs.status < 100 || rs.status > 599)
    throw problem(file, 'response.status must be an HTTP status code')
  if (!isHeaders(rs.headers) || !isBody(rs.body))
    throw problem(file, 'response.headers or response.body is malformed')
  return f
}

/** Every `*.json` fixture in a folder, in file-name order (the recording order). */
export async function readFixtures(dir: string): Promise<{ file: string; fixture: Fixture }[]> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
  } catch (err) {
    throw new Error(`cannot read fixtures from ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  const out: { file: string; fixture: Fixture }[] = []
  for (const name of names) {
    const file = join(dir, name)
    let value: unknown
    try {
      value = JSON.parse(await readFile(file, 'utf8'))
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`)
    }
    out.push({ file, fixture: checkFixture(file, value) })
  }
  return out
}
