interface SwitchProps {
  checked: boolean
  label: string
  disabled?: boolean
  onChange: (checked: boolean) => void
}

/**
 * A real switch: role=switch with aria-checked, operable with Space/Enter like any button. While busy it
 * is aria-disabled, not disabled: a disabled button drops keyboard focus, and the user who just pressed
 * Space on it would have to find it again.
 */
export function Switch({ checked, label, disabled, onChange }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={checked}
      aria-label={label}
      aria-disabled={disabled || undefined}
      onClick={() => {
        if (!disabled) onChange(!checked)
      }}
    >
      <span className="switch-thumb" aria-hidden="true" />
    </button>
  )
}
