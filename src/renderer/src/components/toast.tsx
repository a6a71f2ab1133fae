// The outcome of an action, floating over the page instead of pushing it down under the cursor. A
// success goes by itself once read; a failure stays until dismissed. Announced to screen readers.
import { useEffect, useRef } from 'react'

const SHOW_MS = 6000

export function Toast({
  message,
  onDone,
  failed = false,
}: {
  message: string
  onDone: () => void
  failed?: boolean
}) {
  // The page re-renders on every tick: the timer follows the message, not each new onDone.
  const done = useRef(onDone)
  done.current = onDone
  useEffect(() => {
    if (!message || failed) return
    const timer = setTimeout(() => done.current(), SHOW_MS)
    return () => clearTimeout(timer)
  }, [message, failed])
  return (
    <div
      className="toast-region"
      role={failed ? 'alert' : 'status'}
      aria-live={failed ? 'assertive' : 'polite'}
    >
      {message && (
        <p className={failed ? 'toast failed' : 'toast'}>
          {message}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDone}>
            ×
          </button>
        </p>
      )}
    </div>
  )
}
