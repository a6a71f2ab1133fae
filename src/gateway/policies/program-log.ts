// What a program's logger.Info/Warn/Error writes: published on a diagnostics channel (the CLI prints
// it at its log level), at most LINES_PER_SECOND lines a second for the whole gateway so a program
// that logs on every request cannot flood the log; the next line told says how many were dropped.
import { channel } from 'node:diagnostics_channel'

export const PROGRAM_LOG_CHANNEL = 'sallyport:program-log'

export type ProgramLogLevel = 'info' | 'warn' | 'error'

export interface ProgramLogLine {
  readonly level: ProgramLogLevel
  readonly service: string
  readonly program: string
  readonly message: string
  /** Lines left out before this one by the rate bound. */
  readonly dropped: number
}

const LINES_PER_SECOND = 20
const logChannel = channel(PROGRAM_LOG_CHANNEL)
let windowStart = 0
let told = 0
let dropped = 0

/** `message` is made only for a line that is told. */
export function publishProgramLog(
  level: ProgramLogLevel,
  service: string,
  program: string,
  message: () => string,
): void {
  if (!logChannel.hasSubscribers) return
  const now = Date.now()
  if (now - windowStart >= 1000) {
    windowStart = now
    told = 0
  }
  if (told >= LINES_PER_SECOND) {
    dropped++
    return
  }
  told++
  const line: ProgramLogLine = { level, service, program, message: message(), dropped }
  dropped = 0
  logChannel.publish(line)
}
