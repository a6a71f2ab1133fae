import type { GatewayLaunchOptions, LaunchError } from './gateway-host.ts'
import type { DesktopSettings } from './ipc/contract.ts'
import type { PageButton, StatusPageModel } from './status-page.ts'

// Ports an unprivileged user cannot bind on POSIX: suggest 8080 instead of port+1.
const FIRST_UNPRIVILEGED_PORT = 1024

export function suggestPort(port: number): number {
  if (port < FIRST_UNPRIVILEGED_PORT) return 8080
  return port >= 65535 ? 8080 : port + 1
}

/** Explains a failed launch and offers a way out; never a blank window or a silent exit. */
export function describeLaunchFailure(error: LaunchError, options: GatewayLaunchOptions): StatusPageModel {
  const where = `${options.host}:${options.port}`
  const quit: PageButton = { type: 'quit', label: 'Quit' }
  const retry: PageButton = { type: 'retry', label: 'Try again' }
  const reveal: PageButton = { type: 'reveal-data-dir', label: 'Show data folder' }
  const configButtons: PageButton[] =
    options.configFile === undefined
      ? []
      : [
          { type: 'open-config', label: 'Open config file', primary: true },
          { type: 'use-default-config', label: 'Start with the default config' },
        ]

  switch (error.code) {
    case 'SP_ERR_SERVER_PORT_IN_USE':
    case 'EADDRINUSE':
      return {
        title: `Port ${options.port} is already in use`,
        lead: `Another program is listening on ${where}. Pick another port for Sallyport, or stop the other program and try again.`,
        detail: error.message,
        portSuggestion: suggestPort(options.port),
        buttons: [retry, quit],
      }
    case 'EACCES':
      return {
        title: `Not allowed to listen on port ${options.port}`,
        lead: `The system refused ${where}. Ports below ${FIRST_UNPRIVILEGED_PORT} usually need administrator rights; pick another port.`,
        detail: error.message,
        portSuggestion: suggestPort(options.port),
        buttons: [retry, quit],
      }
    case 'SP_ERR_CONFIG_INVALID':
    case 'SP_ERR_CONFIG_PARSE':
    case 'SP_ERR_CONFIG_READ':
      return {
        title: 'The gateway configuration has a problem',
        lead:
          options.configFile === undefined
            ? 'Sallyport could not load its configuration. The message below names the file, line and field.'
            : `Sallyport could not load ${options.configFile}. Fix it and try again, or start with the default config.`,
        detail: error.message,
        buttons: [...configButtons, retry, reveal, quit],
      }
    case 'SP_ERR_SERVER_INSECURE_BIND':
      return {
        title: `Refusing to listen on ${options.host}`,
        lead: 'Binding to a non-loopback address exposes the admin API. Configure admin credentials in the config file, or listen on 127.0.0.1.',
        detail: error.message,
        buttons: [...configButtons, retry, quit],
      }
    case 'SP_ERR_PERSIST_WRITE':
      return {
        title: 'Cannot write to the data folder',
        lead: `Sallyport keeps manual routes in ${options.dataDir}. Check that the folder exists and is writable.`,
        detail: error.message,
        buttons: [reveal, retry, quit],
      }
    default:
      return {
        title: 'The gateway did not start',
        lead: `Sallyport could not start its gateway on ${where}.`,
        detail: `${error.code}: ${error.message}`,
        portSuggestion: suggestPort(options.port),
        buttons: [...configButtons, retry, reveal, quit],
      }
  }
}

export function pausedPage(url: string | undefined): StatusPageModel {
  return {
    title: 'The gateway is paused',
    lead:
      url === undefined
        ? 'Requests are not being served. Resume to start the gateway again.'
        : `Requests to ${url} are not being served. Resume to start the gateway again; manual routes are kept.`,
    buttons: [
      { type: 'resume', label: 'Resume gateway', primary: true },
      { type: 'quit', label: 'Quit' },
    ],
  }
}

/** Which setting a failed restart points at, so the settings form can mark the field. */
export function settingForError(code: string): keyof DesktopSettings | undefined {
  if (code === 'SP_ERR_SERVER_PORT_IN_USE' || code === 'EADDRINUSE' || code === 'EACCES') return 'port'
  if (code === 'SP_ERR_SERVER_INSECURE_BIND' || code === 'EADDRNOTAVAIL') return 'host'
  if (code.startsWith('SP_ERR_CONFIG_')) return 'configFile'
  if (code === 'SP_ERR_PERSIST_WRITE') return 'dataDir'
  return undefined
}
