// Narrow windows (the 800 px case) stack more into each table row: pages pick their columns, and the
// virtual tables the row height those rows get, from this one breakpoint.
import { useSyncExternalStore } from 'react'

const NARROW = '(max-width: 1100px)'

const subscribe = (onChange: () => void) => {
  const query = window.matchMedia(NARROW)
  query.addEventListener('change', onChange)
  return () => query.removeEventListener('change', onChange)
}
const isNarrow = () => window.matchMedia(NARROW).matches

export function useNarrow(): boolean {
  return useSyncExternalStore(subscribe, isNarrow, isNarrow)
}
