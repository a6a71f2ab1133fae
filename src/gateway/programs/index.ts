// Programs of the service-management dialect: a sandboxed parser and interpreter for the subset of
// expr-lang (github.com/expr-lang/expr) the original gateway's programs use.
export { ProgramSyntaxError } from './lexer.ts'
export {
  type CompiledProgram,
  type CompileResult,
  compileProgram,
  type ProgramCompileError,
  type RunCause,
  type RunLimits,
  type RunResult,
} from './program.ts'
