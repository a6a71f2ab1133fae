// `sallyport doctor`: every check in checks.ts against what `sallyport` would start with here (the same
// flags, config file and data dir), printed one line each with the fix under anything wrong.
import { styleText } from 'node:util'
import { readConfigSource } from '../config/check-file.ts'
import { DEFAULTS } from '../config/defaults.ts'
import { resolveSettings, type Settings } from '../config/settings.ts'
import {
  type CheckResult,
  checkConfig,
  checkDataDir,
  checkMulticast,
  checkNode,
  checkPort,
  checkTls,
} from './checks.ts'

export interface DoctorOptions {
  readonly configFile: string | undefined
  readonly host: string | undefined
  readonly port: number | undefined
  readonly dataDir: string
  readonly discovery: boolean
  readonly version: string
}

/** Runs every check; the settings come from the config file when it reads, else the defaults. */
export async function runDoctor(o: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkNode(), await checkConfig(o.configFile)]
  let settings: Settings
  try {
    const source = o.configFile ? await readConfigSource(o.configFile) : undefined
    settings = resolveSettings(source?.settings ?? {}, { host: o.host, port: o.port, discovery: o.discovery })
  } catch {
    settings = resolveSettings({}, { host: o.host, port: o.port, discovery: o.discovery })
  }
  const { port, gateway } = await checkPort(
    settings.host,
    settings.port,
    settings.adminBasePath ?? DEFAULTS.adminBasePath,
    o.version,
  )
  results.push(port, gateway)
  results.push(await checkDataDir(o.dataDir))
  results.push(await checkMulticast(settings.discovery.enabled))
  results.push(await checkTls(settings.tls, o.dataDir))
  return results
}

const MARK = { ok: '✓', warn: '!', fail: '✗', skip: '-' } as const
const COLOR = { ok: 'green', warn: 'yellow', fail: 'red', skip: 'gray' } as const

export function formatDoctor(results: readonly CheckResult[], stream: NodeJS.WriteStream): string {
  const width = Math.max(...results.map((r) => r.name.length))
  const lines: string[] = []
  for (const r of results) {
    const mark = styleText(COLOR[r.status], MARK[r.status], { stream })
    lines.push(`${mark} ${r.name.padEnd(width)}  ${r.detail}`)
    if (r.fix) lines.push(`  ${' '.repeat(width)}  fix: ${r.fix}`)
  }
  const failed = results.filter((r) => r.status === 'fail').length
  const warned = results.filter((r) => r.status === 'warn').length
  lines.push(
    failed > 0
      ? `${failed} problem(s) stop the gateway from working here${warned ? `, ${warned} warning(s)` : ''}`
      : warned > 0
        ? `ready, with ${warned} warning(s)`
        : 'ready: nothing to fix',
  )
  return `${lines.join('\n')}\n`
}
