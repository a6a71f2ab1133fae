// Runs the real CLI as users do: the built bin/sallyport.js when present, else the source entry.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
export const cliEntry = existsSync(`${root}out/main/cli.js`)
  ? `${root}bin/sallyport.js`
  : `${root}src/gateway/cli.ts`

export function runCli(args: string[], opts: { timeoutMs?: number } = {}) {
  const r = spawnSync(process.execPath, [cliEntry, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 20_000,
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export interface RunningCli {
  readonly child: ChildProcess
  readonly url: string
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts the CLI and resolves once it prints its listening URL. */
export function startCli(args: string[]): Promise<RunningCli> {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
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
