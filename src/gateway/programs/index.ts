// Programs of the service-management dialect: a sandboxed parser and interpreter for the subset of
// expr-lang (github.com/expr-lang/expr) the original gateway's programs use. The environment is plain
// values, plain objects (maps) and host objects (their own fields and class methods are visible);
// functions must be synchronous; one that returns an Error (terminate_if) stops the run with its message.
export { ProgramSyntaxError } from './lexer.ts'
export {
  type CompiledProgram,
  type CompileResult,
  compileProgram,
  type ProgramCompileError,
  type RunCause,
  RunBudget,
  type RunLimits,
  type RunResult,
} from './program.ts'
/** How a program's values print (fmt's %v) and which of them are maps: for host functions. */
export { format as formatValue } from './builtins.ts'
export { isMap } from './values.ts'
