// A config file read and checked the one way start-up, hot reload and `sallyport validate` all use,
// so all three find the same problems and say them in the same words.
import { GatewayError, isGatewayError } from '../errors.ts'
import type { ConfigIssue, GatewayConfig } from '../model/index.ts'
import { type LoadedFile, loadConfigFile } from './load.ts'
import { buildSnapshot, type SourceConfig, validateSettings } from './snapshot.ts'
import { sourceErrorIssues } from './source-issues.ts'

export interface FileSource extends SourceConfig {
  readonly file: LoadedFile
}

/** A config file's value split into the gateway-wide settings and the routes (each checked later). */
export function splitRoutes(value: GatewayConfig): { settings: GatewayConfig; routes: unknown[] } {
  const { routes, ...settings } = value
  return { settings, routes: Array.isArray(routes) ? routes : [] }
}

/** Reads, parses and checks the settings of a config file; throws the GatewayError that rejects it. */
export async function readConfigSource(path: string): Promise<FileSource> {
  try {
    const loaded = await loadConfigFile(path)
    return { source: 'config', ...splitRoutes(validateSettings(loaded.value, loaded)), file: loaded }
  } catch (err) {
    if (isGatewayError(err)) throw err
    throw new GatewayError('SP_ERR_CONFIG_READ', `${path}: ${String(err)}`, { file: path }, { cause: err })
  }
}

/** Every problem the gateway would list for this file, and how many routes it would serve. */
export async function checkConfigFile(path: string): Promise<{ routes: number; issues: ConfigIssue[] }> {
  let source: FileSource
  try {
    source = await readConfigSource(path)
  } catch (err) {
    return { routes: 0, issues: sourceErrorIssues('config', err as GatewayError) }
  }
  const snapshot = buildSnapshot([source], { version: 1 })
  return { routes: snapshot.routes.length, issues: [...snapshot.issues] }
}
