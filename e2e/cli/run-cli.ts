// Runs the real CLI as users do: the built bin/sallyport.js executed through its shebang (as npx does,
// on the Node running the tests) when present, else the source entry.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
export const built = existsSync(`${root}out/main/cli.js`)
export const cliEntry = built ? `${root}bin/sallyport.js` : `${root}src/gateway/cli.ts`
const command = built ? cliEntry : process.execPath
const commandArgs = (args: string[]) => (built ? args : [cliEntry, ...args])
const env = {
  ...process.env,
  NO_COLOR: '1',
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
}

/** The file and arguments that start the CLI with `args`, for tests that manage the process themselves. */
export function cliCommand(args: string[]): [string, string[]] {
  return [command, commandArgs(args)]
}

export function runCli(args: string[], opts: { timeoutMs?: number } = {}) {
  const r = spawnSync(command, commandArgs(args), {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 20_000,
    env,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export interface RunningCli {
  readonly child: ChildProcess
  readonly url: string
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Starts the CLI and resolves once it prints its listening URL. `viaNpm` starts it as `npm exec sallyport`
 * from the repository (npm → sh -c → node, as `npx sallyport` does); `child` is then npm itself.
 */
export function startCli(
  args: string[],
  extraEnv: Record<string, string> = {},
  opts: { viaNpm?: boolean } = {},
): Promise<RunningCli> {
  const [file, argv] = opts.viaNpm
    ? ['npm', ['exec', '--offline', '--', 'sallyport', ...args]]
    : [command, commandArgs(args)]
  const child = spawn(file, argv, {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  // 'close', not 'exit': what the process wrote last has been read by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`CLI did not start: ${out}`))
    }, 20_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m && out.includes('Data dir:')) {
        clearTimeout(timer)
        resolve({
          child,
          url: m[1] as string,
          output: () => out,
          stop: async (signal = 'SIGTERM') => {
            child.kill(signal)
            return exited
          },
        })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`CLI exited with ${code}: ${out}`))
    })
  })
}
