// `npx sallyport`: flags → createGateway().listen(), graceful drain on SIGINT/SIGTERM, and one clear
// line with a non-zero exit for every way it can fail to start.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { subscribe } from 'node:diagnostics_channel'
import { writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { styleText } from 'node:util'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { checkConfigFile } from './config/check-file.ts'
import { reloadLine } from './config/reload-line.ts'
import type { ReloadReport } from './config/watcher.ts'
import { isGatewayError } from './errors.ts'
import { createGateway, type Gateway, type GatewayOptions, type ListenInfo } from './index.ts'
import type { GatewayConfig } from './model/index.ts'
import { PROGRAM_LOG_CHANNEL, type ProgramLogLine } from './policies/program-log.ts'
import type { StoreNotice } from './store/shared-documents.ts'
import { onParentExit, startedByNpm } from './util/parent-exit.ts'
import { packageVersion } from './util/version.ts'

const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const
type LogLevel = (typeof LOG_LEVELS)[number]

/** The OS's per-user config dir: where the gateway keeps manual routes and registrations. */
export function defaultDataDir(): string {
  if (process.env.SALLYPORT_DATA_DIR) return process.env.SALLYPORT_DATA_DIR
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Sallyport')
  if (process.platform === 'win32')
    return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Sallyport')
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'sallyport')
}

function parsePort(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('must be a port number from 0 to 65535')
  return n
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${styleText('red', 'sallyport:', { stream: process.stderr })} ${message}\n`)
  process.exit(code)
}

interface StartFlags {
  config?: string
  host?: string
  port?: number
  dataDir?: string
  discovery: boolean
  logLevel: LogLevel
  replay?: string
  strict?: boolean
}

/** What `record` and `--replay` add to a plain start. */
interface StartMode {
  readonly config?: GatewayConfig
  readonly inspector?: GatewayOptions['inspector']
  /** After the gateway listens. */
  attach?(gateway: Gateway, info: (line: string) => void): Promise<void>
  /** On SIGINT/SIGTERM after the drain: what to report, and the exit code. */
  finish?(info: (line: string) => void, warn: (line: string) => void): Promise<number>
}

async function start(flags: StartFlags, mode: StartMode = {}): Promise<void> {
  const level = LOG_LEVELS.indexOf(flags.logLevel)
  const info = (line: string) => level >= 3 && process.stdout.write(`${line}\n`)
  const warn = (line: string) =>
    level >= 2 &&
    process.stderr.write(`${styleText('yellow', 'sallyport:', { stream: process.stderr })} ${line}\n`)
  // What programs write with logger.Info/Warn/Error (rate bounded where it is published).
  subscribe(PROGRAM_LOG_CHANNEL, (message) => {
    const l = message as ProgramLogLine
    const dropped = l.dropped > 0 ? ` (${l.dropped} earlier program log lines dropped)` : ''
    const line = `program ${l.program} of service ${l.service}: ${l.message}${dropped}`
    if (l.level === 'info') info(line)
    else warn(line)
  })
  let gateway: Gateway
  try {
    gateway = await createGateway({
      configFile: flags.config,
      config: mode.config,
      inspector: mode.inspector,
      host: flags.host,
      port: flags.port,
      dataDir: flags.dataDir ?? defaultDataDir(),
      discovery: flags.discovery,
      logLevel: flags.logLevel,
      // Serve proxied traffic while the admin side (dashboard, API, discovery) finishes loading.
      fastStart: true,
    })
  } catch (err) {
    fail(isGatewayError(err) ? err.message : String(err))
  }
  // What the shared store's documents had to say while the gateway started, then as it happens.
  const tellStore = ({ level, message }: StoreNotice) => (level === 'warn' ? warn : info)(message)
  for (const notice of gateway.core.documents.notices) tellStore(notice)
  gateway.core.documents.events.addEventListener('notice', (e) =>
    tellStore((e as CustomEvent<StoreNotice>).detail),
  )
  // A signal from here on drains: even one that comes while the gateway is still starting.
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) {
      warn(`${signal} again: exiting without waiting for in-flight requests`)
      process.exit(1)
    }
    stopping = true
    info(`${signal}: draining in-flight requests…`)
    await gateway.close()
    const code = (await mode.finish?.(info, warn)) ?? 0
    info('stopped')
    process.exit(code)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  if (startedByNpm()) onParentExit(() => void stop('npm exited'))
  // Recovery is told by the reload that follows it (config-reload), which knows whether all applied.
  gateway.events.addEventListener('config-error', (e) => {
    const { source, message } = (e as CustomEvent<{ source: string; message: string | null }>).detail
    if (!message) return
    if (source === 'config')
      warn(`${message}: not applied, still serving config v${gateway.core.watcher.current.version}`)
    else warn(`${message} (still serving the last good ${source} configuration)`)
  })
  gateway.events.addEventListener('config-reload', (e) => {
    const told = reloadLine((e as CustomEvent<ReloadReport>).detail)
    if (told) (told.warn ? warn : info)(told.line)
  })
  gateway.events.addEventListener('upstream-health', (e) => {
    const { url, routeId, healthy, reason } = (
      e as CustomEvent<{ url: string; routeId: string; healthy: boolean; reason?: string }>
    ).detail
    if (healthy) info(`upstream ${url} (route ${routeId}) is healthy again`)
    else warn(`upstream ${url} (route ${routeId}) is unhealthy${reason ? `: ${reason}` : ''}`)
  })
  let listening: ListenInfo
  try {
    listening = await gateway.listen()
  } catch (err) {
    await gateway.close()
    fail(isGatewayError(err) ? err.message : String(err))
  }
  // Proxied traffic is already served; the URLs are printed once the dashboard and API answer too,
  // so a script that waits for this line can use the admin API at once. When nothing needs the admin
  // side yet it loads on its first request (which waits for it), and a failure to load is told then.
  const adminFailed = (err: unknown) =>
    `the admin API could not start: ${isGatewayError(err) ? err.message : String(err)}`
  if (gateway.adminOnDemand) gateway.ready.catch((err: unknown) => warn(adminFailed(err)))
  else
    try {
      await gateway.ready
    } catch (err) {
      await gateway.close().catch(() => {})
      fail(adminFailed(err))
    }
  // Recording starts before the start lines: a script that waits for them may send traffic at once.
  await mode.attach?.(gateway, info)
  const snap = gateway.core.watcher.current
  info(`Sallyport ${gateway.core.version} listening on ${listening.url}`)
  info(`Dashboard:  ${listening.url}${snap.settings.adminBasePath}/`)
  if (listening.httpsUrl !== undefined) {
    info(
      `HTTPS:      ${listening.httpsUrl} (HTTP/2 and HTTP/1.1; also https://<service>.localhost:${listening.port})`,
    )
    if (listening.caFile !== undefined)
      info(`Local CA:   ${listening.caFile} (trust it once: sallyport trust)`)
  }
  info(`Config:     ${snap.configFile ?? 'embedded default (no --config)'}; ${snap.routes.length} route(s)`)
  info(`Data dir:   ${gateway.core.dataDir ?? '(none)'}`)
}

async function validate(file: string): Promise<void> {
  try {
    // The same check as start-up and hot reload, so the same problems in the same words.
    const { routes, issues } = await checkConfigFile(file)
    if (issues.length > 0) {
      for (const issue of issues) process.stderr.write(`${issue.message}\n`)
      fail(`${file}: ${issues.length} problem(s)`)
    }
    process.stdout.write(`${file}: valid (${routes} route(s))\n`)
  } catch (err) {
    fail(isGatewayError(err) ? err.message : String(err))
  }
}

async function record(flags: { out: string; routes?: string }, command: Command): Promise<void> {
  // The gateway's own flags (`sallyport -c gateway.yaml record --out fixtures`) say what to run.
  const g = command.parent?.opts<StartFlags>() ?? ({ discovery: true, logLevel: 'info' } as StartFlags)
  if (g.replay !== undefined) fail('record and --replay do not go together: record against real upstreams', 2)
  const { startRecorder, RECORDING_INSPECTOR } = await import('./record/index.ts')
  const outDir = resolve(flags.out)
  const routes = new Set(
    (flags.routes ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  )
  let recorder: Awaited<ReturnType<typeof startRecorder>> | undefined
  await start(g, {
    inspector: RECORDING_INSPECTOR,
    async attach(gateway, info) {
      try {
        recorder = await startRecorder({ log: gateway.core.requestLog, outDir, routes })
      } catch (err) {
        await gateway.close()
        fail((err as Error).message)
      }
      info(
        `Recording:  every upstream exchange${routes.size > 0 ? ` of ${[...routes].join(', ')}` : ''} into ${outDir}`,
      )
    },
    async finish(info, warn) {
      await recorder?.close()
      info(`recorded ${recorder?.written ?? 0} exchange(s) into ${outDir}`)
      for (const name of recorder?.incomplete ?? [])
        warn(`${name}: a body was too large to keep whole (16 MiB)`)
      for (const name of recorder?.failed ?? []) warn(`${name}: could not be written`)
      return recorder && recorder.failed.length > 0 ? 1 : 0
    },
  })
}

async function replay(flags: StartFlags): Promise<void> {
  if (flags.config !== undefined) fail('--replay serves only the recorded exchanges: leave out --config', 2)
  const { readFixtures, startReplayServer } = await import('./record/index.ts')
  const dir = resolve(flags.replay as string)
  let fixtures: Awaited<ReturnType<typeof readFixtures>>
  try {
    fixtures = await readFixtures(dir)
  } catch (err) {
    fail((err as Error).message)
  }
  if (fixtures.length === 0) fail(`${dir} holds no fixtures: record some with sallyport record --out ${dir}`)
  const server = await startReplayServer(fixtures.map((f) => f.fixture))
  // Only the recording answers: no routes or pushed services from a data dir, no discovery.
  const scratch = mkdtempSync(join(tmpdir(), 'sallyport-replay-'))
  await start(
    { ...flags, dataDir: scratch, discovery: false },
    {
      // One catch-all route to the replay: recorded answers are replayed as they were (a recorded 5xx must
      // not open a breaker or take the replay out of rotation).
      config: {
        routes: [
          {
            id: 'replay',
            path: '/*',
            targets: [{ url: server.url }],
            circuitBreaker: { enabled: false },
            healthCheck: { enabled: false },
          },
        ],
      },
      async attach(_gateway, info) {
        info(`Replaying:  ${fixtures.length} recorded exchange(s) from ${dir}; no upstream is called`)
      },
      async finish(info, warn) {
        await server.close()
        rmSync(scratch, { recursive: true, force: true })
        info(`replayed ${server.served} request(s) from ${dir}`)
        if (server.misses.size === 0) return 0
        warn(`${server.misses.size} request(s) had no recorded answer:`)
        for (const [key, n] of server.misses) warn(`  ${key}${n > 1 ? ` (${n}×)` : ''}`)
        return flags.strict ? 1 : 0
      },
    },
  )
}

async function doctor(flags: { json?: boolean }, command: Command): Promise<void> {
  // The gateway's own flags (`sallyport --port 9000 doctor` or `sallyport doctor` alone) say what to check.
  const g = command.parent?.opts<StartFlags>() ?? ({ discovery: true } as StartFlags)
  const { runDoctor, formatDoctor } = await import('./doctor/doctor.ts')
  const results = await runDoctor({
    configFile: g.config,
    host: g.host,
    port: g.port,
    dataDir: g.dataDir ?? defaultDataDir(),
    discovery: g.discovery,
    version: packageVersion(),
  })
  if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
  else process.stdout.write(formatDoctor(results, process.stdout))
  process.exitCode = results.some((r) => r.status === 'fail') ? 1 : 0
}

async function announce(flags: {
  name: string
  port: number
  openapi?: string
  health?: string
  manifest?: string
}): Promise<void> {
  const { announceService } = await import('./discovery/index.ts')
  const ann = await announceService(flags)
  process.stdout.write(
    `announcing ${flags.name} on port ${flags.port} over mDNS (_farp._tcp); manifest ${ann.txt['farp.manifest']}\n`,
  )
  const stop = () => void ann.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

interface TrustFlags {
  remove?: boolean
  dataDir?: string
}

/** A path as the user's shell would need it typed. */
function shellQuote(path: string): string {
  if (/^[\w@%+=:,./-]+$/.test(path)) return path
  return process.platform === 'win32' ? `"${path}"` : `'${path.replaceAll("'", "'\\''")}'`
}

async function trust(flags: TrustFlags, command: Command): Promise<void> {
  // `sallyport --data-dir x trust` works too: the flag then belongs to the program.
  const explicitDir = flags.dataDir ?? command.parent?.opts<{ dataDir?: string }>().dataDir
  const dataDir = explicitDir ?? defaultDataDir()
  const out = (line: string) => process.stdout.write(`${line}\n`)
  if (!explicitDir && process.env.SUDO_USER && process.getuid?.() === 0)
    process.stderr.write(
      `${styleText('yellow', 'sallyport:', { stream: process.stderr })} running under sudo: using root's data dir ${dataDir}; pass --data-dir to trust your own CA\n`,
    )
  const tls = await import('./tls/index.ts')
  const caDir = tls.localCaDir(dataDir)
  const caFile = join(caDir, tls.CA_CERT_FILE)
  try {
    let result: Awaited<ReturnType<typeof tls.installCa>>
    if (flags.remove) {
      if (!existsSync(caFile)) {
        out(`no local CA in ${caDir}: nothing to remove`)
        return
      }
      result = await tls.removeCa(caFile)
      out(`the Sallyport local CA ${caFile} is no longer trusted by ${result.store}`)
    } else {
      const existed = existsSync(caFile)
      await tls.loadOrCreateLocalCa(caDir)
      if (!existed) out(`created a local CA in ${caDir} (its key never leaves that folder)`)
      result = await tls.installCa(caFile)
      out(`the Sallyport local CA ${caFile} is now trusted by ${result.store}`)
    }
    for (const line of result.done) out(`  ${line}`)
    for (const hint of result.hints) out(`hint: ${hint}`)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    if (err instanceof tls.TrustStoreError && err.permissionDenied) {
      const again = `sallyport trust${flags.remove ? ' --remove' : ''} --data-dir ${shellQuote(dataDir)}`
      fail(
        process.platform === 'win32'
          ? `${message}; run it from an Administrator prompt: ${again}`
          : `${message}; run it as root: sudo ${again}`,
      )
    }
    fail(message)
  }
}

interface ExportFlags {
  format: 'gateway-api'
  namespace?: string
  gateway: string
  out?: string
  config?: string
  from?: string
  token?: string
}

function parseK8sName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63)
    throw new InvalidArgumentError('must be a DNS-1123 label (lowercase letters, digits and "-", at most 63)')
  return value
}

function parseGatewayUrl(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new InvalidArgumentError('must be the http(s) URL of a running gateway')
  return value
}

async function exportRoutes(flags: ExportFlags, command: Command): Promise<void> {
  // `sallyport --config x export` works too: the flag then belongs to the program.
  const configFile = flags.config ?? command.parent?.opts<{ config?: string }>().config
  const { routesOfConfig, routesOfGateway } = await import('./export/current-routes.ts')
  const { gatewayApiYaml } = await import('./export/gateway-api.ts')
  try {
    const current = flags.from
      ? await routesOfGateway(flags.from, flags.token)
      : await routesOfConfig(configFile)
    for (const warning of current.warnings)
      process.stderr.write(`${styleText('yellow', 'sallyport:', { stream: process.stderr })} ${warning}\n`)
    const text = gatewayApiYaml(current.routes, {
      namespace: flags.namespace,
      gateway: flags.gateway,
      defaults: current.settings.policyDefaults,
    })
    if (!flags.out) {
      process.stdout.write(text)
      return
    }
    await writeFile(flags.out, text)
    const served = current.routes.filter((r) => r.enabled).length
    process.stderr.write(`wrote ${served} route(s) to ${flags.out}\n`)
  } catch (err) {
    fail(isGatewayError(err) ? err.message : String(err))
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('sallyport')
    .description('A local-development API gateway with a live dashboard.')
    .version(packageVersion(), '-v, --version')
    // `announce --port` is the service's port, not the gateway's: options after a subcommand are its own.
    .enablePositionalOptions()
    .option('-c, --config <file>', 'YAML or JSON config file (watched; default: embedded default)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .option('-p, --port <n>', 'port to listen on (default 8080)', parsePort)
    .option('--data-dir <dir>', `where manual routes persist (default ${defaultDataDir()})`)
    .option('--no-discovery', 'do not discover services over mDNS')
    .addOption(new Option('--log-level <level>', 'how much to print').choices(LOG_LEVELS).default('info'))
    .option('--replay <dir>', 'serve the exchanges `sallyport record` wrote, with no upstream running')
    .option('--strict', 'with --replay: exit 1 if any request had no recorded answer')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(async (flags: StartFlags) => {
      if (flags.strict && flags.replay === undefined) fail('--strict goes with --replay <dir>', 2)
      return flags.replay !== undefined ? replay(flags) : start(flags)
    })
  program
    .command('validate')
    .description('check a config file and exit (0 when valid)')
    .argument('<file>', 'config file')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(validate)
  program
    .command('announce')
    .description('announce a local service FARP-style over mDNS (_farp._tcp) until stopped')
    .requiredOption('--name <name>', 'service name')
    .requiredOption('--port <n>', 'port the service listens on', parsePort)
    .option('--openapi <url>', 'OpenAPI document: URL or path on the service')
    .option('--health <path>', 'health endpoint path')
    .option('--manifest <url>', "the service's own FARP manifest (default: serve a generated one)")
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(announce)
  program
    .command('trust')
    .description("trust Sallyport's local HTTPS certificate authority (made if missing) in the OS store")
    .option('--remove', 'take the CA out of the OS trust store instead')
    .option('--data-dir <dir>', `where the CA lives, in <dir>/tls (default ${defaultDataDir()})`)
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(trust)
  program
    .command('record')
    .description('run the gateway and write every upstream exchange to a folder, for --replay in CI')
    .requiredOption('--out <dir>', 'folder for the fixture files (one JSON file per exchange)')
    .option('--routes <ids>', 'only these route ids, comma-separated')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(record)
  program
    .command('doctor')
    .description('check this machine for what the gateway needs, and say how to fix what is missing')
    .option('--json', 'print the results as JSON')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(doctor)
  program
    .command('export')
    .description('write the current routes as Kubernetes Gateway API HTTPRoute / GRPCRoute YAML')
    .addOption(
      new Option('--format <format>', 'output format').choices(['gateway-api']).makeOptionMandatory(),
    )
    .option('-n, --namespace <name>', 'metadata.namespace of every document', parseK8sName)
    .option('--gateway <name>', 'the Gateway the routes attach to (parentRefs)', parseK8sName, 'sallyport')
    .option('-o, --out <file>', 'write the YAML to this file (default: stdout)')
    .option('-c, --config <file>', 'the config file whose routes are exported (default: embedded default)')
    .addOption(
      new Option('--from <url>', 'a running gateway (http://127.0.0.1:8080): its routes from the admin API')
        .argParser(parseGatewayUrl)
        .conflicts('config'),
    )
    .option(
      '--token <secret>',
      'for --from when admin auth is on: the API key or bearer token, or user:password',
    )
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(exportRoutes)
  program
    .command('run')
    .description('run a dev server on a free port (PORT) and route /<name>/ and <name>.localhost to it')
    .usage('[options] [--] <command...>')
    .argument('[command...]', 'the command that starts the server')
    .option('--name <name>', 'service name (default: package.json "sallyport" or "name", else the folder)')
    .option('--all', "run every workspace package's dev script, each under its own name")
    .option('--gateway <url>', 'the gateway to register with', 'http://127.0.0.1:8080')
    .option('--no-start', 'when no gateway is running, say how to start one instead of starting it')
    .option('--discovery', 'let a gateway started in the background discover mDNS services too')
    .option(
      '--data-dir <dir>',
      `data dir of a gateway started in the background (default ${defaultDataDir()})`,
    )
    // Everything after the command is the command's own: `sallyport run vite --port 3000`.
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .action(async (command: string[], flags: Record<string, unknown>) => {
      const run = await import('./run/index.ts')
      const say = (line: string) => process.stdout.write(`${styleText('cyan', 'sallyport:')} ${line}\n`)
      const warn = (line: string) =>
        process.stderr.write(`${styleText('yellow', 'sallyport:', { stream: process.stderr })} ${line}\n`)
      try {
        const code = await run.runCommand(
          {
            command,
            name: flags.name as string | undefined,
            all: flags.all === true,
            gateway: flags.gateway as string,
            start: flags.start !== false,
            discovery: flags.discovery === true,
            dataDir: (flags.dataDir as string | undefined) ?? defaultDataDir(),
            cli: [process.execPath, ...process.execArgv, process.argv[1] as string],
            cwd: process.cwd(),
            adminToken: process.env.SALLYPORT_ADMIN_TOKEN,
          },
          { say, warn },
        )
        process.exit(code)
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err), err instanceof run.RunError ? err.exitCode : 1)
      }
    })
  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) process.exit(0)
      fail(`${err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (see sallyport --help)`, 2)
    }
    throw err
  }
}

await main(process.argv.slice(2))
