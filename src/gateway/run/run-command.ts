// `sallyport run [--name N] [--] <command…>` and `sallyport run --all`: find (or start) the gateway, give
// each command a free port, run it, route it while it runs, and return its exit code.
import { startBackgroundGateway, startCommandFor } from './background-gateway.ts'
import { injectFrameworkFlags } from './framework-flags.ts'
import { createGatewayClient, type GatewayClient } from './gateway-client.ts'
import { freePort } from './listen-probe.ts'
import { RUN_METADATA } from '../model/metadata-keys.ts'
import { onParentExit, startedByNpm } from '../util/parent-exit.ts'
import { processAlive } from '../util/process-alive.ts'
import { type RunOutput, type RunningService, runService } from './run-service.ts'
import { readPackageJson, serviceNameFor } from './service-name.ts'
import { workspacePackages } from './workspaces.ts'

export interface RunOptions {
  readonly command: readonly string[]
  readonly name?: string | undefined
  readonly all: boolean
  /** The gateway's URL (http://127.0.0.1:8080); a path names its admin base (default /gateway). */
  readonly gateway: string
  /** Start a gateway in the background when none answers (false: say how to start one). */
  readonly start: boolean
  /** Let a gateway started in the background browse mDNS too. */
  readonly discovery: boolean
  readonly dataDir: string
  /** node, its flags and this CLI's entry script: how to start the background gateway. */
  readonly cli: readonly string[]
  readonly cwd: string
  readonly adminToken?: string | undefined
}

/** A problem that stops `sallyport run` before anything ran: told in one line; 2 for a wrong command line. */
export class RunError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 1) {
    super(message)
    this.exitCode = exitCode
  }
}

function gatewayUrl(value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {}
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new RunError(`--gateway must be an http(s) URL such as http://127.0.0.1:8080, not ${value}`, 2)
  return value
}

interface Planned {
  readonly dir: string
  readonly argv: readonly string[]
  readonly name: string
  readonly from: string
}

function plan(opts: RunOptions): Planned[] {
  if (opts.all) {
    if (opts.command.length > 0 || opts.name !== undefined)
      throw new RunError("--all runs each workspace package's dev script: give no command and no --name", 2)
    const packages = workspacePackages(opts.cwd)
    if (packages.length === 0) throw new RunError(`no workspace package under ${opts.cwd} has a dev script`)
    return packages.map((p) => ({ ...p, ...serviceNameFor(p.dir) }))
  }
  if (opts.command.length === 0)
    throw new RunError(
      'give the command to run (sallyport run -- npm run dev), or --all for every workspace package',
      2,
    )
  return [{ dir: opts.cwd, argv: opts.command, ...serviceNameFor(opts.cwd, opts.name) }]
}

/**
 * A name the gateway already serves is refused (the two would share it as instances of one service),
 * except one left by a `sallyport run` that has died: that registration is taken over.
 */
async function checkNames(client: GatewayClient, planned: readonly Planned[]): Promise<void> {
  const names = new Set<string>()
  for (const p of planned) {
    if (names.has(p.name))
      throw new RunError(
        `two workspace packages are both named ${p.name}: give one a "sallyport" name in its package.json`,
      )
    names.add(p.name)
  }
  for (const service of await client.services()) {
    if (!names.has(service.name) || service.vanishedAt) continue
    const pid = Number(service.metadata[RUN_METADATA.pid])
    if (service.metadata[RUN_METADATA.by] !== 'sallyport')
      throw new RunError(
        `${service.name} is already registered (${service.source}, ${service.address}:${service.port}): pass another --name`,
      )
    if (processAlive(pid))
      throw new RunError(
        `${service.name} is already run by sallyport (PID ${pid}, ${service.metadata[RUN_METADATA.command] ?? ''}): pass another --name`,
      )
  }
}

async function ensureGateway(client: GatewayClient, opts: RunOptions, out: RunOutput): Promise<void> {
  const probe = await client.probe()
  if (probe.state === 'running') return
  if (probe.state === 'other')
    throw new RunError(
      `${client.adminUrl} answers, but not as a Sallyport gateway (${probe.detail}); point --gateway at one`,
    )
  if (!opts.start)
    throw new RunError(
      `no Sallyport gateway answers at ${client.origin}. Start one in another terminal: ${startCommandFor(client.origin, opts.dataDir)}`,
    )
  let started: Awaited<ReturnType<typeof startBackgroundGateway>>
  try {
    started = await startBackgroundGateway(client, {
      cli: opts.cli,
      dataDir: opts.dataDir,
      discovery: opts.discovery,
    })
  } catch (err) {
    throw new RunError(`could not start a gateway: ${(err as Error).message}`)
  }
  out.say(
    `no gateway was running at ${client.origin}: started one in the background (PID ${started.pid}, log ${started.logFile}${opts.discovery ? '' : ', --no-discovery'}); it keeps running after this command: stop it with kill ${started.pid}`,
  )
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** Runs everything planned until it has exited; resolves with the exit code to leave with. */
export async function runCommand(opts: RunOptions, out: RunOutput): Promise<number> {
  const planned = plan(opts)
  const client = createGatewayClient(gatewayUrl(opts.gateway), opts.adminToken)
  await ensureGateway(client, opts, out)
  await checkNames(client, planned)
  const running: RunningService[] = []
  let signalled = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signalled++
    // A second Ctrl-C does not wait for a dev server that takes its time to stop.
    for (const service of running) service.signal(signalled > 1 ? 'SIGKILL' : signal)
  }
  const listeners = FORWARDED.map((signal) => [signal, () => onSignal(signal)] as const)
  for (const [signal, listener] of listeners) process.on(signal, listener)
  // Under npx/npm a process manager's SIGTERM stops at npm's shell: our parent going away means stop too.
  const cancelParentWatch = startedByNpm() ? onParentExit(() => onSignal('SIGTERM')) : undefined
  try {
    for (const p of planned) {
      const port = await freePort()
      // Ctrl-C while the next ones were being started: start no more (those running were told).
      if (signalled > 0) break
      const scripts = readPackageJson(p.dir).scripts ?? {}
      const injected = injectFrameworkFlags(p.argv, port, scripts)
      if (injected.framework)
        out.say(`${p.name}: ${injected.framework}, which ignores PORT: added ${injected.flags?.join(' ')}`)
      if (injected.note) out.warn(`${p.name}: ${injected.note}`)
      out.say(`${p.name} (name from ${p.from}): starting ${injected.argv.join(' ')} with PORT=${port}`)
      running.push(
        runService(
          { name: p.name, argv: injected.argv, cwd: p.dir, port, prefixOutput: opts.all },
          client,
          out,
        ),
      )
    }
    const codes = await Promise.all(running.map((s) => s.done))
    return codes.find((c) => c !== 0) ?? 0
  } finally {
    cancelParentWatch?.()
    for (const [signal, listener] of listeners) process.off(signal, listener)
  }
}
