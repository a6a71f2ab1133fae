// The route page's last requests (newest first), each with who answered it where the gateway says.
import { errorText } from '../api/client.ts'
import { useRouteRequests } from '../api/route-detail-queries.ts'
import { formatAgo, formatMs } from '../lib/format.ts'
import { hrefFor } from '../lib/hash-route.ts'

export function RouteRecentRequests({ id }: { id: string }) {
  const requests = useRouteRequests(id)
  const rows = requests.data?.slice(0, 20) ?? []
  return (
    <section className="detail-card wide" aria-labelledby="recent-title">
      <div className="section-header">
        <h2 id="recent-title">Recent requests</h2>
        <a href={hrefFor('requests', { route: id })}>All in the inspector</a>
      </div>
      {requests.isError ? (
        <p className="muted">Could not load requests: {errorText(requests.error)}</p>
      ) : rows.length === 0 ? (
        <p className="muted">No request on this route yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table wrap">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Answered by</th>
                <th scope="col" className="num">
                  Time
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>{formatAgo(r.time)}</td>
                  <td>
                    <code>
                      {r.method} {r.path}
                    </code>
                  </td>
                  <td>{r.status === 0 ? 'client left' : r.status}</td>
                  <td>{r.outcome ?? (r.target ? 'upstream' : '–')}</td>
                  <td className="num">{formatMs(r.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
