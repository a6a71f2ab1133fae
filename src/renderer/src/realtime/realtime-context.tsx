import { useQueryClient } from '@tanstack/react-query'
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react'
import { type RealtimeConnection, startRealtime } from './realtime.ts'

const RealtimeContext = createContext<RealtimeConnection | undefined>(undefined)

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient()
  const [connection, setConnection] = useState<RealtimeConnection>()
  useEffect(() => {
    const started = startRealtime(queryClient)
    setConnection(started)
    return () => started.close()
  }, [queryClient])
  return <RealtimeContext.Provider value={connection}>{children}</RealtimeContext.Provider>
}

export const useRealtime = (): RealtimeConnection | undefined => useContext(RealtimeContext)
