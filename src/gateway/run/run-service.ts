// One command run by `sallyport run`: started in its own process group with PORT set, registered once it
// listens, deregistered once it exits; the exit code it leaves is the one to return.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { RUN_METADATA } from '../model/metadata-keys.ts'
import type { GatewayClient } from './gateway-client.ts'
import { waitForListen } from './listen-probe.ts'

export interface RunSpec {
  readonly name: string
  readonly argv: readonly string[]
  readonly cwd: string
  readonly port: number
  /** Several services share the terminal (`--all`): each line of theirs starts with the name. */
  readonly prefixOutput?: boolean
  /** When to say that the command has not listened yet (default 30 s). */
  readonly listenHintMs?: number
}

export interface RunOutput {
  say(line: string): void
  warn(line: string): void
}

export interface RunningService {
  readonly name: string
  readonly pid: number | undefined
  /** Resolves once the command has exited and its registration is gone, with the exit code to return. */
  readonly done: Promise<number>
  /** Sends a signal to the command's whole process group (a shell, npm, and the server they start). */
  signal(signal: NodeJS.Signals): void
}

const isWindows = process.platform === 'win32'

/** node_modules/.bin of the folder and every parent, so `vite` runs as it does in a package script. */
function pathWithLocalBins(cwd: string): string {
  const bins: string[] = []
  for (let dir = cwd; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin')
    if (existsSync(bin)) bins.push(bin)
    if (dirname(dir) === dir) break
  }
  return [...bins, process.env.PATH ?? ''].join(delimiter)
}

function prefixLines(from: NodeJS.ReadableStream | null, to: NodeJS.WritableStream, name: string): void {
  if (!from) return
  createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
    to.write(`${name} │ ${line}\n`),
  )
}

/** The shell's convention: 128 + the signal's number when a signal ended the process. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  return 128 + (signal ? (constants.signals[signal] ?? 15) : 15)
}

export function runService(spec: RunSpec, client: GatewayClient, out: RunOutput): RunningService {
  const [file, ...args] = spec.argv
  const child: ChildProcess = spawn(file as string, args, {
    cwd: spec.cwd,
    env: { ...process.env, PORT: String(spec.port), HOST: '127.0.0.1', PATH: pathWithLocalBins(spec.cwd) },
    // Its own process group, so a signal reaches the server behind `npm run` or a shell too.
    detached: !isWindows,
    shell: isWindows,
    stdio: spec.prefixOutput ? ['inherit', 'pipe', 'pipe'] : 'inherit',
  })
  if (spec.prefixOutput) {
    prefixLines(child.stdout, process.stdout, spec.name)
    prefixLines(child.stderr, process.stderr, spec.name)
  }
  let exited = false
  let registered: Promise<boolean> = Promise.resolve(false)
  const exit = new Promise<number>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      exited = true
      out.warn(
        err.code === 'ENOENT'
          ? `${spec.name}: cannot start "${file}": command not found`
          : `${spec.name}: cannot start "${file}": ${err.message}`,
      )
      resolve(127)
    })
    child.once('exit', (code, signal) => {
      exited = true
      resolve(exitCodeOf(code, signal))
    })
  })

  registered = (async () => {
    // A server that ignores PORT and has no rule in the table never shows up: say what to do.
    const hint = setTimeout(
      () =>
        out.warn(
          `${spec.name} has not listened on port ${spec.port} yet: if it ignores PORT, pass the port its own way (e.g. --port ${spec.port})`,
        ),
      spec.listenHintMs ?? 30_000,
    )
    hint.unref()
    const address = await waitForListen(spec.port, () => exited)
    clearTimeout(hint)
    if (address === undefined) return false
    try {
      await client.register({
        service_name: spec.name,
        service_id: `run-${spec.name}`,
        address,
        port: spec.port,
        tags: ['sallyport-run'],
        metadata: {
          [RUN_METADATA.by]: 'sallyport',
          [RUN_METADATA.pid]: String(child.pid),
          [RUN_METADATA.command]: spec.argv.join(' '),
          [RUN_METADATA.cwd]: spec.cwd,
        },
      })
    } catch (err) {
      out.warn(`${spec.name} listens on port ${spec.port} but is not routed: ${(err as Error).message}`)
      return false
    }
    const { origin } = client
    const at = new URL(origin)
    out.say(
      `${spec.name} → ${origin}/${spec.name}/ and ${at.protocol}//${spec.name}.localhost${at.port ? `:${at.port}` : ''}/ (port ${spec.port}, PID ${child.pid})`,
    )
    return true
  })()

  const done = (async () => {
    const code = await exit
    if (await registered) {
      try {
        await client.deregister(spec.name)
        out.say(`${spec.name} exited (code ${code}): deregistered`)
      } catch (err) {
        out.warn(
          `${spec.name} exited (code ${code}) but could not be deregistered: ${(err as Error).message}`,
        )
      }
    } else out.say(`${spec.name} exited (code ${code})`)
    return code
  })()

  return {
    name: spec.name,
    pid: child.pid,
    done,
    signal(signal) {
      if (exited || child.pid === undefined) return
      try {
        if (isWindows) child.kill(signal)
        else process.kill(-child.pid, signal)
      } catch {
        child.kill(signal)
      }
    },
  }
}
