// A real <table> (headers, aria-sort, aria-rowcount) that only renders the rows in view, so a
// thousand routes scroll smoothly. Rows have a fixed height; spacer rows stand in for the rest.
import { type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'

export interface Column<T> {
  id: string
  header: string
  cell: (row: T) => ReactNode
  width?: string
  align?: 'start' | 'end'
  sortable?: boolean
  /** On the column's header and cells, for widths that change with the viewport (styles.css). */
  className?: string
}

export type SortDirection = 'ascending' | 'descending'
export interface SortState {
  column: string
  direction: SortDirection
}

interface DataTableProps<T> {
  label: string
  rows: readonly T[]
  columns: Column<T>[]
  rowKey: (row: T) => string
  rowHeight?: number
  sort?: SortState
  onSort?: (sort: SortState) => void
  selectedKey?: string
  rowClassName?: (row: T) => string | undefined
  maxHeight?: string
  /** Extra class on the <table> (e.g. cells that wrap instead of ending in "…"). */
  className?: string
  /** A click anywhere on a row that is not on a control of its own (keyboard users get a link). */
  onRowClick?: (row: T) => void
}

/** A click on a button, link, input or label inside a row belongs to that control, not the row. */
function onControl(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('a, button, input, select, textarea, label') !== null
}

function cellClass(column: { align?: 'start' | 'end'; className?: string }): string | undefined {
  return [column.align === 'end' ? 'num' : '', column.className ?? ''].join(' ').trim() || undefined
}

const OVERSCAN = 8

export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  rowHeight = 44,
  sort,
  onSort,
  selectedKey,
  rowClassName,
  maxHeight = 'calc(100vh - 260px)',
  className,
  onRowClick,
}: DataTableProps<T>) {
  const scrollRef = useRef<HTMLElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(800)
  const frame = useRef(0)

  useLayoutEffect(() => {
    const el = scrollRef.current
    if (!el) return
    const observer = new ResizeObserver(() => setViewport(el.clientHeight || 800))
    observer.observe(el)
    setViewport(el.clientHeight || 800)
    return () => observer.disconnect()
  }, [])

  useEffect(() => () => cancelAnimationFrame(frame.current), [])

  const onScroll = useCallback(() => {
    cancelAnimationFrame(frame.current)
    frame.current = requestAnimationFrame(() => setScrollTop(scrollRef.current?.scrollTop ?? 0))
  }, [])

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN)
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN)
  const visible = rows.slice(first, last)
  const before = first * rowHeight
  const after = (rows.length - last) * rowHeight

  const headerFor = (column: Column<T>) => {
    const active = sort?.column === column.id
    const ariaSort = column.sortable ? (active ? sort?.direction : 'none') : undefined
    return (
      <th
        key={column.id}
        scope="col"
        aria-sort={ariaSort}
        className={cellClass(column)}
        style={column.width ? { width: column.width } : undefined}
      >
        {column.sortable && onSort ? (
          <button
            type="button"
            className="sort-button"
            onClick={() =>
              onSort({
                column: column.id,
                direction: active && sort?.direction === 'descending' ? 'ascending' : 'descending',
              })
            }
          >
            {column.header}
            <span aria-hidden="true" className="sort-arrow">
              {active ? (sort?.direction === 'descending' ? '▼' : '▲') : '↕'}
            </span>
          </button>
        ) : (
          column.header
        )}
      </th>
    )
  }

  return (
    <section
      className="table-scroll"
      ref={scrollRef}
      onScroll={onScroll}
      style={{ maxHeight }}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
      tabIndex={0}
      aria-label={label}
    >
      <table
        className={className ? `data-table ${className}` : 'data-table'}
        aria-label={label}
        aria-rowcount={rows.length + 1}
      >
        <thead>
          <tr aria-rowindex={1}>{columns.map(headerFor)}</tr>
        </thead>
        <tbody>
          {before > 0 && (
            <tr className="spacer" style={{ height: before }}>
              <td colSpan={columns.length} />
            </tr>
          )}
          {visible.map((row, i) => {
            const key = rowKey(row)
            const extra = rowClassName?.(row)
            const rowClass =
              [key === selectedKey ? 'selected' : '', onRowClick ? 'clickable' : '', extra ?? '']
                .join(' ')
                .trim() || undefined
            return (
              <tr
                key={key}
                aria-rowindex={first + i + 2}
                style={{ height: rowHeight }}
                className={rowClass}
                data-key={key}
                onClick={
                  onRowClick
                    ? (event) => {
                        if (!onControl(event.target)) onRowClick(row)
                      }
                    : undefined
                }
              >
                {columns.map((column) => (
                  <td key={column.id} className={cellClass(column)}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            )
          })}
          {after > 0 && (
            <tr className="spacer" style={{ height: after }}>
              <td colSpan={columns.length} />
            </tr>
          )}
        </tbody>
      </table>
    </section>
  )
}

export function compareBy<T>(value: (row: T) => number | string, direction: SortDirection) {
  const sign = direction === 'ascending' ? 1 : -1
  return (a: T, b: T) => {
    const x = value(a)
    const y = value(b)
    return (x < y ? -1 : x > y ? 1 : 0) * sign
  }
}
