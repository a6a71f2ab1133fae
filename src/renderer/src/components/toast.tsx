// A success message that floats over the page instead of pushing it down under the cursor. It stays
// long enough to read, goes by itself, and is announced to screen readers (role="status").
import { useEffect, useRef } from 'react'

const SHOW_MS = 6000

export function Toast({ message, onDone }: { message: string; onDone: () => void }) {
  // The page re-renders on every tick: the timer follows the message, not each new onDone.
  const done = useRef(onDone)
  done.current = onDone
  useEffect(() => {
    if (!message) return
    const timer = setTimeout(() => done.current(), SHOW_MS)
    return () => clearTimeout(timer)
  }, [message])
  return (
    <div className="toast-region" role="status" aria-live="polite">
      {message && (
        <p className="toast">
          {message}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDone}>
            ×
          </button>
        </p>
      )}
    </div>
  )
}
