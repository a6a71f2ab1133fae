import { useEffect, useState } from 'react'
import { useConnection } from '../api/queries.ts'
import { useRealtime } from '../realtime/realtime-context.tsx'

/** Shown while the live stream is down; the socket reconnects by itself with backoff. */
export function ConnectionBanner() {
  const connection = useConnection()
  const realtime = useRealtime()
  const [now, setNow] = useState(() => Date.now())
  const lost = connection.status === 'lost'
  useEffect(() => {
    if (!lost) return
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [lost])

  if (connection.status === 'unsupported') {
    return (
      <div className="banner banner-info" role="status">
        Live updates need the dashboard to be opened from the gateway (http://…/gateway/).
      </div>
    )
  }
  if (!lost) return null
  const seconds = Math.max(0, Math.ceil((connection.retryAt - now) / 1000))
  return (
    <div className="banner banner-warn" role="alert">
      <span>
        <strong>Connection to the gateway lost.</strong> Live data is paused; reconnecting{' '}
        {seconds > 0 ? `in ${seconds} s` : 'now'} (attempt {connection.attempt}).
      </span>
      <button type="button" className="button small" onClick={() => realtime?.retryNow()}>
        Retry now
      </button>
    </div>
  )
}
