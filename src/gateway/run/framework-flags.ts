// Dev servers that ignore PORT get the port (and a loopback host) as flags. One table of rules; the
// framework is found in the command itself, behind a package runner (npx vite, pnpm exec astro), or in
// the package.json script a package manager runs (npm run dev → "vite"), as portless does.
import { basename } from 'node:path'

export interface FrameworkRule {
  /** What the user sees in the "injected … for <framework>" line. */
  readonly framework: string
  /** Executable names that start it. */
  readonly bins: readonly string[]
  /** Its first positional argument when that starts the dev server (`null`: none given). */
  readonly commands: readonly (string | null)[]
  /** Flags that already choose the port or the host: the user's choice stays. */
  readonly portFlags: readonly string[]
  readonly hostFlags: readonly string[]
  readonly port: (port: number) => string[]
  readonly host: readonly string[]
}

const VITE_PORT = (port: number) => ['--port', String(port), '--strictPort']
const PLAIN_PORT = (port: number) => ['--port', String(port)]
const LOOPBACK = ['--host', '127.0.0.1']

/** Next and Nuxt read PORT too; the flags make the choice explicit and bind loopback only. */
export const FRAMEWORK_RULES: readonly FrameworkRule[] = [
  {
    framework: 'Vite',
    bins: ['vite'],
    commands: [null, 'dev', 'serve', 'preview'],
    portFlags: ['--port'],
    hostFlags: ['--host'],
    port: VITE_PORT,
    host: LOOPBACK,
  },
  {
    framework: 'Astro',
    bins: ['astro'],
    commands: ['dev', 'start', 'preview'],
    portFlags: ['--port'],
    hostFlags: ['--host'],
    port: PLAIN_PORT,
    host: LOOPBACK,
  },
  {
    framework: 'Angular',
    bins: ['ng'],
    commands: ['serve', 's', 'dev'],
    portFlags: ['--port'],
    hostFlags: ['--host'],
    port: PLAIN_PORT,
    host: LOOPBACK,
  },
  {
    framework: 'Next.js',
    bins: ['next'],
    commands: [null, 'dev', 'start'],
    portFlags: ['--port', '-p'],
    hostFlags: ['--hostname', '-H'],
    port: PLAIN_PORT,
    host: ['--hostname', '127.0.0.1'],
  },
  {
    framework: 'Nuxt',
    bins: ['nuxi', 'nuxt'],
    commands: ['dev', 'preview'],
    portFlags: ['--port', '-p'],
    hostFlags: ['--host'],
    port: PLAIN_PORT,
    host: LOOPBACK,
  },
  {
    // Classic `remix dev` starts the app server, which reads PORT; the Vite plugin's dev server does not.
    framework: 'Remix (Vite)',
    bins: ['remix'],
    commands: ['vite:dev'],
    portFlags: ['--port'],
    hostFlags: ['--host'],
    port: VITE_PORT,
    host: LOOPBACK,
  },
  {
    framework: 'React Router',
    bins: ['react-router'],
    commands: ['dev'],
    portFlags: ['--port'],
    hostFlags: ['--host'],
    port: VITE_PORT,
    host: LOOPBACK,
  },
  {
    // Expo's --host is a connection mode (lan | tunnel | localhost), not an address.
    framework: 'Expo',
    bins: ['expo'],
    commands: [null, 'start'],
    portFlags: ['--port', '-p'],
    hostFlags: ['--host', '--lan', '--tunnel', '--localhost'],
    port: PLAIN_PORT,
    host: ['--host', 'localhost'],
  },
]

/** Runners that start a package's executable: `npx vite`, `pnpm exec vite`, `yarn dlx astro`. */
const RUNNERS: Record<string, readonly string[]> = {
  npx: [],
  pnpx: [],
  bunx: [],
  npm: ['exec', 'x'],
  pnpm: ['exec', 'dlx'],
  yarn: ['exec', 'dlx'],
  bun: ['x'],
}

/** Package managers that run a package.json script (`npm run dev`, `pnpm dev`, `npm start`). */
const SCRIPT_RUNNERS = new Set(['npm', 'pnpm', 'yarn', 'bun'])

export interface Injection {
  /** The command to start, with the flags appended when a rule matched. */
  readonly argv: readonly string[]
  readonly framework?: string
  readonly flags?: readonly string[]
  /** Why nothing was injected although a framework might be involved. */
  readonly note?: string
}

function executable(word: string): string {
  return basename(word).replace(/\.(cmd|exe|ps1)$/i, '')
}

/** The rule for `bin [args…]`, if its dev-server command is the one asked for. */
function ruleFor(words: readonly string[]): FrameworkRule | undefined {
  const [bin, ...rest] = words
  if (bin === undefined) return undefined
  const name = executable(bin)
  const rule = FRAMEWORK_RULES.find((r) => r.bins.includes(name))
  if (!rule) return undefined
  // The word right after the executable (`vite --port 3000` starts the dev server: no command).
  const command = rest[0] === undefined || rest[0].startsWith('-') ? null : rest[0]
  return rule.commands.includes(command) ? rule : undefined
}

function present(words: readonly string[], flags: readonly string[]): boolean {
  return words.some((w) => flags.some((f) => w === f || w.startsWith(`${f}=`)))
}

/** The flags a rule adds to `words` (nothing the user already chose). */
function flagsFor(rule: FrameworkRule, words: readonly string[], port: number): string[] {
  return [
    ...(present(words, rule.portFlags) ? [] : rule.port(port)),
    ...(present(words, rule.hostFlags) ? [] : rule.host),
  ]
}

/** `npx --yes vite dev` → `vite dev`; undefined when the command is not a runner call. */
function behindRunner(argv: readonly string[]): readonly string[] | undefined {
  const [first, ...rest] = argv
  const subcommands = first === undefined ? undefined : RUNNERS[executable(first)]
  if (!subcommands) return undefined
  let i = 0
  if (subcommands.length > 0) {
    while (i < rest.length && rest[i]?.startsWith('-')) i++
    // `yarn vite`, `pnpm astro dev`: a package manager runs an executable by its name too (not npm).
    if (!subcommands.includes(rest[i] ?? ''))
      return executable(first as string) === 'npm' ? undefined : rest.slice(i)
    i++
  }
  while (i < rest.length && (rest[i]?.startsWith('-') ?? false)) i++
  return rest.slice(i)
}

/** Shell syntax a script may hold that makes "append flags at the end" wrong or unsafe. */
const COMPOUND = /&&|\|\||[;|&<>`$()]/

/** `cross-env A=1 vite` / `A=1 vite` → `vite`: assignments and env wrappers before the command. */
function scriptCommand(script: string): string[] | undefined {
  if (COMPOUND.test(script)) return undefined
  const words = script.trim().split(/\s+/)
  while (words[0] === 'cross-env' || words[0] === 'env' || /^\w+=/.test(words[0] ?? '')) words.shift()
  return words
}

/** `npm run dev -- --open` → the script `dev`, what follows its name, and the `--` npm needs first; undefined when it runs no script. */
function scriptCall(
  argv: readonly string[],
  scripts: Readonly<Record<string, string>>,
): { name: string; passThrough: readonly string[]; afterScript: readonly string[] } | undefined {
  const [first, ...rest] = argv
  if (first === undefined) return undefined
  const manager = executable(first)
  if (!SCRIPT_RUNNERS.has(manager)) return undefined
  const positional = rest.filter((w) => !w.startsWith('-'))
  let name: string | undefined
  if (positional[0] === 'start') name = 'start'
  else if (positional[0] === 'run' || positional[0] === 'run-script') name = positional[1]
  // pnpm dev, yarn dev, bun dev: a script of that name (else it is an executable, handled by the runner rule).
  else if (manager !== 'npm' && positional[0] !== undefined && positional[0] in scripts) name = positional[0]
  if (name === undefined || !(name in scripts)) return undefined
  const afterScript = rest.slice(rest.indexOf(name) + 1)
  // npm passes arguments to the script only after `--`; the others pass everything after the name.
  const passThrough = manager === 'npm' && !afterScript.includes('--') ? ['--'] : []
  return { name, passThrough, afterScript }
}

/**
 * The command with the port flags its framework needs. `scripts` are the package.json scripts of the
 * folder the command runs in.
 */
export function injectFrameworkFlags(
  argv: readonly string[],
  port: number,
  scripts: Readonly<Record<string, string>> = {},
): Injection {
  const call = scriptCall(argv, scripts)
  if (!call) {
    const direct = ruleFor(argv) ? argv : behindRunner(argv)
    const rule = direct && ruleFor(direct)
    if (!rule || !direct) return { argv }
    const flags = flagsFor(rule, direct, port)
    return flags.length > 0 ? { argv: [...argv, ...flags], framework: rule.framework, flags } : { argv }
  }
  const script = scripts[call.name] as string
  const words = scriptCommand(script)
  if (!words) {
    const mentioned = FRAMEWORK_RULES.find((r) => r.bins.some((b) => new RegExp(`\\b${b}\\b`).test(script)))
    return mentioned
      ? {
          argv,
          note: `the "${call.name}" script is more than one command, so no --port was added for ${mentioned.framework}: only PORT is set`,
        }
      : { argv }
  }
  const scriptRule = ruleFor(words)
  if (!scriptRule) return { argv }
  const flags = flagsFor(scriptRule, [...words, ...call.afterScript], port)
  if (flags.length === 0) return { argv }
  return { argv: [...argv, ...call.passThrough, ...flags], framework: scriptRule.framework, flags }
}
