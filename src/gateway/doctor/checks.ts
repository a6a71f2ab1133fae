// What `sallyport doctor` checks, one function per thing that can stop a gateway from working on this
// machine. Each answers in the same shape: what it found and, when something is wrong, the fix.
import { createSocket } from 'node:dgram'
import { constants, existsSync } from 'node:fs'
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { getCACertificates } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { checkConfigFile } from '../config/check-file.ts'
import { CA_CERT_FILE, localCaDir } from '../tls/local-ca.ts'
import { yaml } from '../util/yaml.ts'

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'

export interface CheckResult {
  readonly name: string
  readonly status: CheckStatus
  /** What was found, one line. */
  readonly detail: string
  /** What to do about it (warn and fail only). */
  readonly fix?: string
}

const MIN_NODE = [22, 19] as const

export function checkNode(version = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])
  return ok
    ? { name: 'node', status: 'ok', detail: `Node.js v${version} (needs ${MIN_NODE.join('.')} or newer)` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node.js v${version} is too old (needs ${MIN_NODE.join('.')} or newer)`,
        fix: 'install Node.js 22 LTS (nodejs.org, nvm install 22), or run once with: npx -p node@22 -p sallyport sallyport',
      }
}

export async function checkConfig(file: string | undefined): Promise<CheckResult> {
  if (!file) return { name: 'config', status: 'ok', detail: 'no config file: the embedded default applies' }
  if (!existsSync(file))
    return {
      name: 'config',
      status: 'fail',
      detail: `${file} does not exist`,
      fix: 'check the path given to --config',
    }
  const { routes, issues } = await checkConfigFile(file)
  if (issues.length === 0)
    return { name: 'config', status: 'ok', detail: `${file}: valid (${routes} route(s))` }
  return {
    name: 'config',
    status: 'fail',
    detail: `${file}: ${issues.length} problem(s): ${issues
      .slice(0, 3)
      .map((i) => i.message)
      .join('; ')}${issues.length > 3 ? '; …' : ''}`,
    fix: `run sallyport validate ${file} for every problem with its line`,
  }
}

type PortProbe = { free: true } | { free: false; code: string }

function tryListen(host: string, port: number): Promise<PortProbe> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', (e: NodeJS.ErrnoException) => resolve({ free: false, code: e.code ?? String(e) }))
    s.listen(port, host, () => s.close(() => resolve({ free: true })))
  })
}

/** What answers on the gateway's port: a Sallyport gateway (with its version), something else, or nothing. */
export interface RunningGateway {
  readonly version: string | undefined
  /** The admin API asked for credentials, so the version stayed unknown. */
  readonly locked: boolean
}

export async function probeGateway(origin: string, adminBase: string): Promise<RunningGateway | undefined> {
  try {
    const res = await fetch(`${origin}${adminBase}/api/openapi.json`, { signal: AbortSignal.timeout(2000) })
    if (res.status === 401 || res.status === 403) {
      // Admin auth on: the problem document still says whose it is.
      return /SP_ERR_|sallyport/i.test(await res.text()) ? { version: undefined, locked: true } : undefined
    }
    if (!res.ok) return undefined
    const doc = (await res.json()) as { info?: { title?: string; version?: string } }
    return /Sallyport/i.test(doc.info?.title ?? '')
      ? { version: doc.info?.version, locked: false }
      : undefined
  } catch {
    return undefined
  }
}

async function freePortNear(host: string, port: number): Promise<number | undefined> {
  for (let p = port + 1; p <= Math.min(65535, port + 20); p++) if ((await tryListen(host, p)).free) return p
  return undefined
}

/** The port is free (the gateway can start) or a Sallyport gateway already holds it. */
export async function checkPort(
  host: string,
  port: number,
  adminBase: string,
  version: string,
): Promise<{ port: CheckResult; gateway: CheckResult }> {
  const probe = await tryListen(host, port)
  const where = `${host}:${port}`
  if (probe.free)
    return {
      port: { name: 'port', status: 'ok', detail: `${where} is free` },
      gateway: {
        name: 'gateway',
        status: 'warn',
        detail: `no gateway runs on ${where}`,
        fix: `start one: npx sallyport${port === 8080 ? '' : ` --port ${port}`}`,
      },
    }
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  const running = probe.code === 'EADDRINUSE' ? await probeGateway(origin, adminBase) : undefined
  if (running) {
    const gateway: CheckResult =
      running.version === undefined
        ? {
            name: 'gateway',
            status: 'ok',
            detail: `a Sallyport gateway runs on ${where} (admin API locked: version not shown)`,
          }
        : running.version === version
          ? { name: 'gateway', status: 'ok', detail: `Sallyport ${running.version} runs on ${where}` }
          : {
              name: 'gateway',
              status: 'warn',
              detail: `Sallyport ${running.version} runs on ${where}; this command is ${version}`,
              fix: 'restart the gateway to run this version (stop it, then npx sallyport)',
            }
    return { port: { name: 'port', status: 'ok', detail: `${where} is held by that gateway` }, gateway }
  }
  const other = await freePortNear(host, port)
  const fix =
    probe.code === 'EACCES'
      ? `ports below 1024 need privileges: pick another with --port ${other ?? 8080}`
      : probe.code === 'EADDRNOTAVAIL'
        ? `${host} is not an address of this machine: use --host 127.0.0.1`
        : `stop the program that holds it, or use another port${other ? `: --port ${other} is free` : ''}`
  return {
    port: {
      name: 'port',
      status: 'fail',
      detail:
        probe.code === 'EADDRINUSE'
          ? `${where} is taken by another program (not Sallyport)`
          : `cannot listen on ${where} (${probe.code})`,
      fix,
    },
    gateway: { name: 'gateway', status: 'skip', detail: 'no Sallyport gateway on that port' },
  }
}

/** The data dir exists (or can be made) and is writable, and the state files in it parse. */
export async function checkDataDir(dir: string): Promise<CheckResult> {
  let existing = dir
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  try {
    await access(existing, constants.W_OK)
  } catch {
    return {
      name: 'data dir',
      status: 'fail',
      detail: `${dir} is not writable (${existing} belongs to someone else)`,
      fix: `give your user write access, or use another: --data-dir <dir> (or SALLYPORT_DATA_DIR)`,
    }
  }
  if (!existsSync(dir))
    return {
      name: 'data dir',
      status: 'ok',
      detail: `${dir} does not exist yet: the gateway makes it when it first saves state`,
    }
  try {
    await mkdir(dir, { recursive: true })
    const probe = join(dir, `.doctor-${process.pid}`)
    await writeFile(probe, '')
    await rm(probe)
  } catch (e) {
    return {
      name: 'data dir',
      status: 'fail',
      detail: `${dir}: ${(e as Error).message}`,
      fix: 'fix its permissions or use --data-dir',
    }
  }
  const broken: string[] = []
  for (const name of await readdir(dir)) {
    if (!/\.(ya?ml|json)$/.test(name)) continue
    try {
      yaml().parse(await readFile(join(dir, name), 'utf8'))
    } catch (e) {
      broken.push(`${name} (${(e as Error).message.split('\n')[0]})`)
    }
  }
  return broken.length === 0
    ? { name: 'data dir', status: 'ok', detail: `${dir} is writable` }
    : {
        name: 'data dir',
        status: 'fail',
        detail: `${dir}: ${broken.join(', ')} does not parse`,
        fix: 'move the broken file aside (the gateway then starts without that state) or repair it',
      }
}

/** mDNS discovery joins the group 224.0.0.251 on every IPv4 interface (as multicast-dns does); on
 * loopback alone it still finds the services of this machine, which is what local development needs. */
export async function checkMulticast(enabled: boolean): Promise<CheckResult> {
  if (!enabled) return { name: 'discovery', status: 'skip', detail: 'discovery off (--no-discovery)' }
  const addresses = Object.values(networkInterfaces()).flatMap(
    (list) =>
      list?.filter((a) => a.family === 'IPv4').map((a) => ({ address: a.address, internal: a.internal })) ??
      [],
  )
  const socket = createSocket({ type: 'udp4', reuseAddr: true })
  const joined: typeof addresses = []
  let lastError = 'no IPv4 interface'
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, () => resolve())
    })
    for (const a of addresses) {
      try {
        socket.addMembership('224.0.0.251', a.address)
        joined.push(a)
      } catch (e) {
        lastError = (e as NodeJS.ErrnoException).code ?? (e as Error).message
      }
    }
  } catch (e) {
    lastError = (e as NodeJS.ErrnoException).code ?? (e as Error).message
  } finally {
    socket.close()
  }
  if (joined.some((a) => !a.internal))
    return {
      name: 'discovery',
      status: 'ok',
      detail: `multicast works on ${joined.map((a) => a.address).join(', ')}: mDNS services are found`,
    }
  if (joined.length > 0)
    return {
      name: 'discovery',
      status: 'ok',
      detail: 'multicast on loopback only: services on this machine are found, none from the network',
    }
  return {
    name: 'discovery',
    status: 'warn',
    detail: `multicast is not available (${lastError}): mDNS services will not be found`,
    fix: 'register services by push instead (POST /gateway/api/discovery/register), or allow multicast on an interface; --no-discovery silences this',
  }
}

/** With HTTPS on: the local CA exists and the OS trusts it (else browsers warn), or the certificate files read. */
export async function checkTls(
  tls: { mode: 'auto' } | { mode: 'files'; cert: string | undefined; key: string | undefined } | undefined,
  dataDir: string,
): Promise<CheckResult> {
  if (!tls) return { name: 'https', status: 'skip', detail: 'HTTPS off (server.tls not set)' }
  if (tls.mode === 'files') {
    const missing = [tls.cert, tls.key].filter((f) => !f || !existsSync(f))
    return missing.length === 0
      ? { name: 'https', status: 'ok', detail: `certificate ${tls.cert} and key ${tls.key} are readable` }
      : {
          name: 'https',
          status: 'fail',
          detail: `server.tls names files that are missing: ${missing.map((f) => f ?? '(none)').join(', ')}`,
          fix: 'fix the paths, or use server.tls: auto for the local CA',
        }
  }
  const caFile = join(localCaDir(dataDir), CA_CERT_FILE)
  if (!existsSync(caFile))
    return {
      name: 'https',
      status: 'warn',
      detail: `no local CA yet in ${localCaDir(dataDir)}: the first start makes one, untrusted`,
      fix: 'run sallyport trust (makes the CA and adds it to the OS trust store)',
    }
  const ours = new X509Certificate(await readFile(caFile))
  const trusted = getCACertificates('system').some((pem) => {
    try {
      return new X509Certificate(pem).fingerprint256 === ours.fingerprint256
    } catch {
      return false
    }
  })
  if (trusted) return { name: 'https', status: 'ok', detail: `the local CA ${caFile} is trusted by the OS` }
  return {
    name: 'https',
    status: 'warn',
    detail: `the local CA ${caFile} is not in the OS trust store: browsers will warn`,
    fix: `run sallyport trust; for Node clients set NODE_EXTRA_CA_CERTS=${caFile}`,
  }
}
