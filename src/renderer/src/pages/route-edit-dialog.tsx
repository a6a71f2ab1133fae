// Editing a route from the Routes table or its page.
import { errorText } from '../api/client.ts'
import { useRouteDetail } from '../api/route-detail-queries.ts'
import type { RouteView } from '../api/types.ts'
import { Dialog } from '../components/dialog.tsx'
import { RouteForm } from './route-form.tsx'

/** The edit dialog opens once the route's whole configuration is loaded, so the save keeps all of it. */
export function EditRoute(props: {
  route: RouteView
  routePrefix: string
  onClose: () => void
  onDone: (message: string) => void
}) {
  const detail = useRouteDetail(props.route.id)
  if (detail.isPending) return null
  return (
    <Dialog title={`Edit ${props.route.path}`} onClose={props.onClose} wide>
      {detail.isError && (
        <p className="error-box" role="alert">
          Could not load the route's policies ({errorText(detail.error)}): saving keeps only what this form
          shows.
        </p>
      )}
      <RouteForm
        route={props.route}
        {...(detail.data ? { config: detail.data.config } : {})}
        routePrefix={props.routePrefix}
        onCancel={props.onClose}
        onDone={(_saved, message) => props.onDone(message)}
      />
    </Dialog>
  )
}
