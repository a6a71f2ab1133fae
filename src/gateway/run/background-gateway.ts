// No gateway running: start one as its own detached process (it outlives `sallyport run`, as portless's
// proxy does), logging to a file in the data dir, and wait until its admin API answers.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import type { GatewayClient } from './gateway-client.ts'

export const GATEWAY_LOG_FILE = 'gateway.log'
const START_TIMEOUT_MS = 30_000

export interface BackgroundGatewayOptions {
  /** How to start the CLI: node, its flags and the entry script of this very `sallyport`. */
  readonly cli: readonly string[]
  readonly dataDir: string
  /** Browse mDNS too (off unless asked: `sallyport run` needs push registration only). */
  readonly discovery: boolean
}

export interface BackgroundGateway {
  readonly pid: number
  readonly logFile: string
}

/** The --host/--port a gateway at `origin` listens on; undefined when it is not a loopback address. */
export function listenAddressOf(origin: string): { host: string; port: number } | undefined {
  const url = new URL(origin)
  const name = url.hostname.replace(/^\[|\]$/g, '')
  const host = name === 'localhost' ? '127.0.0.1' : name
  const loopback = host === '::1' || /^127\./.test(host)
  if (!loopback || isIP(host) === 0) return undefined
  return { host, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) }
}

/** The command a user would type to start the gateway `sallyport run` expects. */
export function startCommandFor(origin: string, dataDir: string | undefined): string {
  const at = listenAddressOf(origin)
  const flags = at ? [`--host ${at.host}`, `--port ${at.port}`] : []
  if (dataDir) flags.push(`--data-dir ${dataDir}`)
  return ['npx sallyport', ...flags].join(' ')
}

function tail(file: string, lines = 10): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

export async function startBackgroundGateway(
  client: GatewayClient,
  opts: BackgroundGatewayOptions,
): Promise<BackgroundGateway> {
  const at = listenAddressOf(client.origin)
  if (!at)
    throw new Error(
      `${client.origin} is not a loopback address: start that gateway yourself, or point --gateway at 127.0.0.1`,
    )
  mkdirSync(opts.dataDir, { recursive: true })
  const logFile = join(opts.dataDir, GATEWAY_LOG_FILE)
  const log = openSync(logFile, 'a')
  const [node, ...args] = opts.cli
  const child = spawn(
    node as string,
    [
      ...args,
      '--host',
      at.host,
      '--port',
      String(at.port),
      '--data-dir',
      opts.dataDir,
      ...(opts.discovery ? [] : ['--no-discovery']),
    ],
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, NO_COLOR: '1' } },
  )
  closeSync(log)
  child.unref()
  let exited: number | null | undefined
  child.once('exit', (code) => {
    exited = code
  })
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new Error(
        `the gateway exited (code ${exited}) before it answered; ${logFile} says:\n${tail(logFile)}`,
      )
    const probe = await client.probe()
    if (probe.state === 'running') return { pid: child.pid as number, logFile }
    if (probe.state === 'other')
      throw new Error(`${client.origin} answers, but not as Sallyport: ${probe.detail}`)
    await new Promise((r) => setTimeout(r, 150))
  }
  // Not left behind holding the port: the next `sallyport run` would find it taken.
  if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM')
  throw new Error(`the gateway did not answer at ${client.adminUrl} within 30 s (stopped it); see ${logFile}`)
}
