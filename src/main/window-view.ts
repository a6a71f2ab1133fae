import type { HostStatus } from './gateway-host.ts'
import { describeLaunchFailure, pausedPage } from './launch-failure.ts'
import { dashboardUrl } from './navigation.ts'
import { renderStatusPage, type StatusPageModel } from './status-page.ts'

export type WindowView = { kind: 'dashboard'; url: string } | { kind: 'page'; html: string; title: string }

function page(model: StatusPageModel, token: string): WindowView {
  return { kind: 'page', title: model.title, html: renderStatusPage(model, token) }
}

/** What the window shows for a gateway state: the dashboard when running, otherwise a page with a way out. */
export function viewFor(status: HostStatus, token: string, lastUrl?: string): WindowView {
  switch (status.phase) {
    case 'running':
      return { kind: 'dashboard', url: dashboardUrl(status.url) }
    case 'failed':
      return page(describeLaunchFailure(status.error, status.options), token)
    case 'stopped':
      return page(pausedPage(lastUrl), token)
    default:
      return page(
        {
          title: 'Starting Sallyport…',
          lead: 'The gateway is starting.',
          buttons: [{ type: 'quit', label: 'Quit' }],
        },
        token,
      )
  }
}
