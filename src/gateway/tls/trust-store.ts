// Puts the local CA into (or takes it out of) the operating system's trust store, the way mkcert does.
// Everything that touches the system goes through a TrustRunner, so tests can see the exact commands.
import { spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, copyFile, readFile, unlink } from 'node:fs/promises'

export interface TrustRunner {
  readonly platform: NodeJS.Platform
  exists(path: string): boolean
  /** Runs a command to its end; rejects with its output when it fails. */
  run(command: string, args: readonly string[]): Promise<void>
  copyFile(from: string, to: string): Promise<void>
  /** false when there was nothing to remove. */
  removeFile(path: string): Promise<boolean>
}

export interface TrustResult {
  /** The store, in words. */
  readonly store: string
  /** What was done, one line each. */
  readonly done: readonly string[]
  /** What the OS store does not cover (Firefox/NSS, Node.js), with the commands for it. */
  readonly hints: readonly string[]
}

export class TrustStoreError extends Error {
  /** The store refused for lack of rights: run again as root / Administrator. */
  readonly permissionDenied: boolean
  constructor(message: string, permissionDenied: boolean, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TrustStoreError'
    this.permissionDenied = permissionDenied
  }
}

export const NSS_NICKNAME = 'Sallyport Local CA'

export function hostRunner(): TrustRunner {
  return {
    platform: process.platform,
    exists: existsSync,
    run: (command, args) =>
      new Promise((resolve, reject) => {
        // stdin is the user's: `security` or a password prompt may ask.
        const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'] })
        let output = ''
        child.stdout.on('data', (d: Buffer) => (output += d.toString()))
        child.stderr.on('data', (d: Buffer) => (output += d.toString()))
        child.on('error', (err: NodeJS.ErrnoException) =>
          reject(err.code === 'ENOENT' ? new Error(`${command} not found`, { cause: err }) : err),
        )
        child.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(output.trim() || `${command} exited with ${code}`)),
        )
      }),
    // A certificate is public, and the copy may be read by tools that do not run as root.
    copyFile: (from, to) => copyFile(from, to).then(() => chmod(to, 0o644)),
    removeFile: (path) =>
      unlink(path).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return false
          throw err
        },
      ),
  }
}

type Step =
  | { kind: 'run'; command: string; args: readonly string[]; missingIsDone?: RegExp }
  | { kind: 'copy'; from: string; to: string }
  | { kind: 'remove'; path: string }

interface Plan {
  readonly store: string
  readonly steps: readonly Step[]
}

interface CaFacts {
  readonly file: string
  readonly serialNumber: string
  /** Names the copy in a file-based store, so CAs of two users or data dirs do not replace each other. */
  readonly storeName: string
}

const DEBIAN_DIR = '/usr/local/share/ca-certificates'
const FEDORA_DIR = '/etc/pki/ca-trust/source/anchors'
const ARCH_DIR = '/etc/ca-certificates/trust-source'
const MAC_KEYCHAIN = '/Library/Keychains/System.keychain'

function plan(action: 'install' | 'remove', ca: CaFacts, runner: TrustRunner): Plan {
  const install = action === 'install'
  const run = (command: string, args: readonly string[], missingIsDone?: RegExp): Step => ({
    kind: 'run',
    command,
    args,
    missingIsDone,
  })
  switch (runner.platform) {
    case 'darwin':
      return {
        store: `the macOS System keychain (${MAC_KEYCHAIN})`,
        steps: [
          install
            ? run('security', ['add-trusted-cert', '-d', '-r', 'trustRoot', '-k', MAC_KEYCHAIN, ca.file])
            : run('security', ['remove-trusted-cert', '-d', ca.file], /could not be found/i),
        ],
      }
    case 'win32':
      return {
        store: 'the Windows Root store (Local Machine)',
        steps: [
          install
            ? run('certutil', ['-addstore', '-f', 'Root', ca.file])
            : run('certutil', ['-delstore', 'Root', ca.serialNumber], /not found|cannot find/i),
        ],
      }
    case 'linux': {
      if (runner.exists(FEDORA_DIR)) {
        const copy = `${FEDORA_DIR}/${ca.storeName}.pem`
        return {
          store: `the system store (Fedora/RHEL, ${FEDORA_DIR})`,
          steps: [
            install ? { kind: 'copy', from: ca.file, to: copy } : { kind: 'remove', path: copy },
            run('update-ca-trust', ['extract']),
          ],
        }
      }
      if (runner.exists(DEBIAN_DIR)) {
        const copy = `${DEBIAN_DIR}/${ca.storeName}.crt`
        return {
          store: `the system store (Debian/Ubuntu, ${DEBIAN_DIR})`,
          steps: [
            install ? { kind: 'copy', from: ca.file, to: copy } : { kind: 'remove', path: copy },
            // --fresh on removal: a plain run leaves the CA's /etc/ssl/certs symlinks dangling.
            run('update-ca-certificates', install ? [] : ['--fresh']),
          ],
        }
      }
      if (runner.exists(ARCH_DIR))
        return {
          store: 'the system store (Arch, p11-kit)',
          steps: [run('trust', ['anchor', install ? '--store' : '--remove', ca.file])],
        }
      break
    }
  }
  throw new TrustStoreError(
    `no supported trust store on this system (${runner.platform}); add ${ca.file} to it yourself`,
    false,
  )
}

const DENIED =
  /permission denied|not permitted|access is denied|must be (?:run as )?root|authori[sz]ation|0x80070005/i

async function execute(
  action: 'install' | 'remove',
  caFile: string,
  runner: TrustRunner,
): Promise<TrustResult> {
  const ca = await caFacts(caFile)
  const { store, steps } = plan(action, ca, runner)
  const done: string[] = []
  for (const step of steps) {
    try {
      if (step.kind === 'copy') {
        await runner.copyFile(step.from, step.to)
        done.push(`copied ${step.from} to ${step.to}`)
      } else if (step.kind === 'remove') {
        done.push(
          (await runner.removeFile(step.path)) ? `removed ${step.path}` : `${step.path} was not there`,
        )
      } else {
        try {
          await runner.run(step.command, step.args)
          done.push(`ran ${[step.command, ...step.args].join(' ')}`)
        } catch (err) {
          if (!step.missingIsDone?.test((err as Error).message)) throw err
          done.push(`the CA was not in ${store}`)
        }
      }
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]
      const denied = DENIED.test((err as Error).message) || ['EACCES', 'EPERM'].includes(errCode(err))
      throw new TrustStoreError(
        `could not ${action} the CA ${action === 'install' ? 'into' : 'from'} ${store}: ${message}`,
        denied,
        { cause: err },
      )
    }
  }
  return { store, done, hints: hints(action, caFile, runner.platform) }
}

function errCode(err: unknown): string {
  return String((err as NodeJS.ErrnoException).code ?? '')
}

async function caFacts(file: string): Promise<CaFacts> {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(await readFile(file))
  } catch (err) {
    throw new TrustStoreError(`cannot read the CA certificate ${file}: ${(err as Error).message}`, false, {
      cause: err,
    })
  }
  const fingerprint = cert.fingerprint256.replaceAll(':', '').toLowerCase()
  return {
    file,
    serialNumber: cert.serialNumber,
    storeName: `sallyport-local-ca-${fingerprint.slice(0, 16)}`,
  }
}

function hints(action: 'install' | 'remove', caFile: string, platform: NodeJS.Platform): string[] {
  const nss = (args: string) => `certutil -d sql:$HOME/.pki/nssdb ${args}`
  if (action === 'remove')
    return [
      `Firefox/NSS: ${nss(`-D -n "${NSS_NICKNAME}"`)} (and in each Firefox profile you added it to)`,
      'Node.js: drop NODE_EXTRA_CA_CERTS if you set it for this CA',
    ]
  const firefox =
    platform === 'linux'
      ? `Firefox (and Chrome/Chromium on Linux) keep their own NSS store: ${nss(`-A -t C,, -n "${NSS_NICKNAME}" -i ${caFile}`)}` +
        ' (for Firefox use sql:<profile folder>; certutil comes with libnss3-tools / nss-tools)'
      : 'Firefox: set security.enterprise_roots.enabled to true in about:config so it trusts the system store,' +
        ` or add it to the profile: certutil -d sql:<profile folder> -A -t C,, -n "${NSS_NICKNAME}" -i ${caFile}`
  return [firefox, `Node.js does not read the system store: NODE_EXTRA_CA_CERTS=${caFile}`]
}

/** Adds the CA certificate in `caFile` to the OS trust store. */
export function installCa(caFile: string, runner: TrustRunner = hostRunner()): Promise<TrustResult> {
  return execute('install', caFile, runner)
}

/** Takes the CA certificate in `caFile` out of the OS trust store; not being there is not an error. */
export function removeCa(caFile: string, runner: TrustRunner = hostRunner()): Promise<TrustResult> {
  return execute('remove', caFile, runner)
}
