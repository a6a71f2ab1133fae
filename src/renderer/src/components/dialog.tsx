import { type ReactNode, useEffect, useRef } from 'react'

interface DialogProps {
  title: string
  onClose: () => void
  children: ReactNode
  wide?: boolean
}

/** What the keyboard starts on: the first field to fill in, else the first control of the body. */
const FIRST_FIELD =
  'input:not([readonly]):not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])'

/**
 * A modal <dialog>: the browser gives focus trapping, Escape to close and the inert background. It opens
 * on the first field, not on the close button the browser would pick.
 */
export function Dialog({ title, onClose, children, wide }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    const body = dialog?.querySelector('.dialog-body')
    const first =
      body?.querySelector<HTMLElement>(FIRST_FIELD) ?? body?.querySelector<HTMLElement>('button, a[href]')
    first?.focus()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog wide' : 'dialog'}
      aria-labelledby="dialog-title"
      onClose={onClose}
    >
      <header className="dialog-header">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="dialog-body">{children}</div>
    </dialog>
  )
}
