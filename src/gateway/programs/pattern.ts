// `matches` patterns: expr-lang uses Go's RE2, the interpreter JavaScript's RegExp; this keeps the two
// languages close and compiles each pattern once.
import { ProgramRuntimeError } from './values.ts'

// Go regexp's leading flag group `(?i)` etc. has no JavaScript syntax; it becomes RegExp flags.
const patternCache = new Map<string, RegExp>()
export function compilePattern(pattern: string): RegExp {
  let re = patternCache.get(pattern)
  if (re === undefined) {
    const flags = /^\(\?([ims]+)\)/.exec(pattern)
    const source = flags ? pattern.slice(flags[0].length) : pattern
    const extra = flags?.[1] ?? ''
    // RE2 (Go) has no lookaround and no backreferences; refusing them keeps the same language
    if (/\(\?<?[=!]|\\[1-9]/.test(source))
      throw new ProgramRuntimeError(`invalid or unsupported Perl syntax in ${JSON.stringify(pattern)}`)
    try {
      re = new RegExp(source, `u${extra}`)
    } catch {
      // unicode mode refuses escapes RE2 accepts (`[a-z\-]`); the plain mode takes them
      try {
        re = new RegExp(source, extra)
      } catch (err) {
        throw new ProgramRuntimeError(`invalid regular expression: ${(err as Error).message}`)
      }
    }
    if (patternCache.size > 1000) patternCache.clear()
    patternCache.set(pattern, re)
  }
  return re
}
