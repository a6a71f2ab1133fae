// `sallyport record --out <dir>`: every exchange an upstream answered, written as one fixture file
// (fixture-file.ts) while the gateway serves as usual. It reads what the request inspector keeps — the
// inspector's body cap is raised for the recording, so bodies are whole — right after each exchange
// ends, and writes files in order, one at a time, off the request path.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RequestLog } from '../stats/request-log.ts'
import { EXCHANGE_CHANNEL } from '../stats/exchange-event.ts'
import {
  encodeBody,
  type Fixture,
  FIXTURE_VERSION,
  fixtureName,
  type FixtureHeaders,
} from './fixture-file.ts'

/** What the inspector keeps while recording: whole bodies up to 16 MiB, 256 MiB of them in flight. */
export const RECORDING_INSPECTOR = { bodyLimit: 16 * 1024 * 1024, bodyBudget: 256 * 1024 * 1024 }

export interface RecorderOptions {
  readonly log: RequestLog
  readonly outDir: string
  /** Only exchanges of these route ids; all when empty. */
  readonly routes?: ReadonlySet<string>
}

export interface Recorder {
  /** Fixture files written. */
  readonly written: number
  /** Files whose bodies could not be kept whole (larger than the cap, or dropped under load). */
  readonly incomplete: readonly string[]
  /** Files that could not be written, with the reason (disk full, folder gone…). */
  readonly failed: readonly string[]
  /** Writes what is pending and stops. */
  close(): Promise<void>
}

export async function startRecorder(o: RecorderOptions): Promise<Recorder> {
  await mkdir(o.outDir, { recursive: true })
  // A second recording into the same folder would be replayed mixed with the first: refuse it.
  const existing = (await readdir(o.outDir)).filter((n) => n.endsWith('.json'))
  if (existing.length > 0)
    throw new Error(
      `${o.outDir} already holds ${existing.length} fixture(s): record into an empty folder (or remove them first)`,
    )
  const failed: string[] = []
  let last = o.log.newestId
  let written = 0
  const incomplete: string[] = []
  let writing: Promise<void> = Promise.resolve()
  let scheduled = false

  const drain = () => {
    scheduled = false
    const fresh = o.log.list({ since: last }).reverse()
    last = o.log.newestId
    for (const record of fresh) {
      if (record.outcome !== 'upstream') continue
      if (o.routes && o.routes.size > 0 && !o.routes.has(record.routeId)) continue
      const kept = o.log.get(record.id)
      if (!kept) continue
      const { replay } = kept
      const responseWhole = (replay.responseBody?.length ?? 0) === record.responseBodyBytes
      const fixture: Fixture = {
        version: FIXTURE_VERSION,
        recordedAt: record.time,
        route: record.routeId,
        request: {
          method: record.method,
          path: record.path,
          headers: record.requestHeaders as FixtureHeaders,
          ...(replay.body && replay.body.length > 0 ? { body: encodeBody(replay.body) } : {}),
        },
        response: {
          status: record.status,
          headers: record.responseHeaders as FixtureHeaders,
          ...(replay.responseBody && replay.responseBody.length > 0
            ? { body: encodeBody(replay.responseBody) }
            : {}),
        },
        complete: replay.bodyComplete && responseWhole,
      }
      written++
      const name = fixtureName(written, record.method, record.path)
      if (!fixture.complete) incomplete.push(name)
      const text = `${JSON.stringify(fixture, null, 2)}\n`
      writing = writing.then(() =>
        writeFile(join(o.outDir, name), text).catch((err: NodeJS.ErrnoException) => {
          failed.push(`${name} (${err.code ?? err.message})`)
        }),
      )
    }
  }
  // The inspector's own subscriber ran first (it subscribed when the gateway was made): the record is
  // there by the time this runs; reading waits for the turn to end so a burst is read once.
  const onExchange = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(drain)
  }
  subscribe(EXCHANGE_CHANNEL, onExchange)
  return {
    get written() {
      return written
    },
    incomplete,
    failed,
    async close() {
      unsubscribe(EXCHANGE_CHANNEL, onExchange)
      drain()
      await writing
    },
  }
}
