// The route form's request-header rows: a label and a field for each name (and value), each row with its
// own remove button, and a button to add one.
import { type HeaderRow, newKey } from './route-form-state.ts'

/** Header rows as name/value pairs (or names only), each with its own remove button. */
export function HeaderRows(props: {
  title: string
  rows: HeaderRow[]
  withValue?: boolean
  onChange: (rows: HeaderRow[]) => void
}) {
  const { title, rows, withValue, onChange } = props
  const update = (key: number, change: Partial<HeaderRow>) =>
    onChange(rows.map((r) => (r.key === key ? { ...r, ...change } : r)))
  return (
    <fieldset className="header-rows">
      <legend>{title}</legend>
      {rows.map((row, index) => (
        <div className="header-row" key={row.key}>
          <label>
            Name
            <input
              value={row.name}
              placeholder="X-Request-Source"
              aria-label={`${title}: header ${index + 1} name`}
              onChange={(e) => update(row.key, { name: e.target.value })}
            />
          </label>
          {withValue && (
            <label>
              Value
              <input
                value={row.value}
                aria-label={`${title}: header ${index + 1} value`}
                onChange={(e) => update(row.key, { value: e.target.value })}
              />
            </label>
          )}
          <button
            type="button"
            className="button ghost small"
            aria-label={`${title}: remove header ${index + 1}`}
            onClick={() => onChange(rows.filter((r) => r.key !== row.key))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="button ghost small"
        onClick={() => onChange([...rows, { key: newKey(), name: '', value: '' }])}
      >
        {withValue ? 'Add a header to set' : 'Add a header to remove'}
      </button>
    </fieldset>
  )
}
