// One request in the inspector: what came in, what went upstream, what was answered and how long
// each part took, in tabs; replay (with a diff against the original), copy as curl, HAR export.
import { useQuery } from '@tanstack/react-query'
import { type KeyboardEvent, useId, useRef, useState } from 'react'
import { actionError, adminUrl, api, seg } from '../api/client.ts'
import { useReplayRequest } from '../api/mutations.ts'
import type { BodyView, RequestDetail, RequestRecord } from '../api/types.ts'
import { formatMs } from '../lib/format.ts'
import { Badge } from './badges.tsx'
import { OutcomeBadge, statusTone } from './outcome-badge.tsx'
import { ReplayDiff } from './replay-diff.tsx'
import { TimingBar } from './timing-bar.tsx'

type Headers = Record<string, string | string[]>

const headerText = (value: string | string[] | undefined): string =>
  value === undefined ? '' : Array.isArray(value) ? value.join(', ') : value

function HeaderTable({ title, headers, compare }: { title: string; headers: Headers; compare?: Headers }) {
  const entries = Object.entries(headers)
  return (
    <section className="headers" aria-label={title}>
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p className="muted">None recorded.</p>
      ) : (
        <table className="kv-table">
          <caption className="visually-hidden">{title}</caption>
          <tbody>
            {entries.map(([name, value]) => {
              // Beside what came in: which fields the gateway added or changed on the way up.
              const mark =
                compare === undefined
                  ? undefined
                  : compare[name] === undefined
                    ? 'added'
                    : headerText(compare[name]) !== headerText(value)
                      ? 'changed'
                      : undefined
              return (
                <tr key={name} className={mark ? `diff-${mark}` : undefined}>
                  <th scope="row">
                    {name}
                    {mark && <span className="muted small"> ({mark} by the gateway)</span>}
                  </th>
                  <td>{headerText(value)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Body({ title, body }: { title: string; body: BodyView | undefined }) {
  if (body === undefined) return <p className="muted">Loading the body…</p>
  return (
    <section className="body-view" aria-label={title}>
      <h3>
        {title}{' '}
        <span className="muted small">
          {body.size === 0 ? 'empty' : `${body.size} bytes${body.kind !== 'none' ? ` · ${body.kind}` : ''}`}
        </span>
      </h3>
      {body.note && <p className="note">{body.note}</p>}
      {body.text !== undefined && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
        <pre className="code-block body-text" tabIndex={0}>
          {body.text}
        </pre>
      )}
      {body.hexHead !== undefined && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
        <pre className="code-block body-text" tabIndex={0}>
          {body.hexHead}
        </pre>
      )}
    </section>
  )
}

const TABS = [
  { id: 'request', label: 'Request' },
  { id: 'upstream', label: 'Upstream' },
  { id: 'response', label: 'Response' },
  { id: 'timing', label: 'Timing' },
] as const
type TabId = (typeof TABS)[number]['id']

function Tabs({
  current,
  onChange,
  idBase,
}: {
  current: TabId
  onChange: (t: TabId) => void
  idBase: string
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([])
  const onKey = (e: KeyboardEvent, i: number) => {
    const move = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
    const to =
      e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : (i + move + TABS.length) % TABS.length
    if (move === 0 && e.key !== 'Home' && e.key !== 'End') return
    e.preventDefault()
    onChange((TABS[to] as (typeof TABS)[number]).id)
    refs.current[to]?.focus()
  }
  return (
    <div role="tablist" aria-label="Request parts" className="tabs">
      {TABS.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => {
            refs.current[i] = el
          }}
          type="button"
          role="tab"
          id={`${idBase}-tab-${t.id}`}
          aria-selected={current === t.id}
          aria-controls={`${idBase}-panel`}
          tabIndex={current === t.id ? 0 : -1}
          className="tab"
          onClick={() => onChange(t.id)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  )
}

export function RequestDetailPanel({ record, onClose }: { record: RequestRecord; onClose: () => void }) {
  const idBase = useId()
  const [tab, setTab] = useState<TabId>('request')
  const [copied, setCopied] = useState('')
  const replay = useReplayRequest()
  const detail = useQuery({
    queryKey: ['request', record.id],
    queryFn: ({ signal }) => api<RequestDetail>(`api/requests/${seg(record.id)}`, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  })
  const d = detail.data

  const copyCurl = async () => {
    if (!d?.curl) return
    try {
      await navigator.clipboard.writeText(d.curl)
      setCopied('Copied as curl')
    } catch {
      setCopied('Could not copy: the browser refused clipboard access')
    }
  }

  return (
    <section
      className="detail-panel request-detail"
      aria-labelledby={`${idBase}-title`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose()
      }}
    >
      <header className="detail-header">
        <h2 id={`${idBase}-title`}>
          <code>
            {record.method} {record.path}
          </code>
        </h2>
        <button type="button" className="icon-button" aria-label="Close request details" onClick={onClose}>
          ×
        </button>
      </header>
      <dl className="kv inline">
        <div>
          <dt>Status</dt>
          <dd>
            <Badge tone={statusTone(record.status)}>{String(record.status)}</Badge>
          </dd>
        </div>
        <div>
          <dt>Answered by</dt>
          <dd>
            <OutcomeBadge outcome={record.outcome} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatMs(record.durationMs)}</dd>
        </div>
        <div>
          <dt>Route</dt>
          <dd>{record.routeId || 'no route matched'}</dd>
        </div>
      </dl>
      <div className="actions request-actions">
        <button
          type="button"
          className="button"
          disabled={replay.isPending}
          onClick={() => replay.mutate(record.id)}
        >
          {replay.isPending ? 'Replaying…' : 'Replay and compare'}
        </button>
        <button type="button" className="button" disabled={!d} onClick={copyCurl}>
          Copy as curl
        </button>
        <a className="button" href={adminUrl(`api/requests.har?ids=${seg(record.id)}`)} download>
          Export HAR
        </a>
        <span className="muted small" role="status">
          {copied}
        </span>
      </div>
      {replay.isError && (
        <p className="field-error" role="alert">
          Replay failed: {actionError(replay.error, 'Replay', 'POST api/requests/:id/replay')}
        </p>
      )}
      {replay.data && replay.data.original.id === record.id && <ReplayDiff result={replay.data} />}
      <Tabs current={tab} onChange={setTab} idBase={idBase} />
      <div
        role="tabpanel"
        id={`${idBase}-panel`}
        aria-labelledby={`${idBase}-tab-${tab}`}
        className="tab-panel"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the WAI-ARIA tabs pattern makes the panel focusable
        tabIndex={0}
      >
        {detail.isError && (
          <p className="field-error">The request's details are gone (the inspector keeps the last 500).</p>
        )}
        {record.note && <p className="muted">{record.note}</p>}
        {tab === 'request' && (
          <>
            <HeaderTable title="Request headers" headers={record.requestHeaders} />
            <Body title="Request body" body={d?.requestBody} />
          </>
        )}
        {tab === 'upstream' &&
          (record.upstream ? (
            <>
              <dl className="kv">
                <div>
                  <dt>Sent to</dt>
                  <dd>
                    <code>
                      {record.upstream.method} {record.upstream.url}
                    </code>
                  </dd>
                </div>
                <div>
                  <dt>Path in</dt>
                  <dd>
                    <code>{record.path}</code>
                  </dd>
                </div>
              </dl>
              <HeaderTable
                title="Headers sent upstream"
                headers={record.upstream.headers}
                compare={record.requestHeaders}
              />
            </>
          ) : (
            <p className="muted">
              Nothing went upstream: the gateway answered this request itself ({record.outcome}).
            </p>
          ))}
        {tab === 'response' && (
          <>
            <HeaderTable title="Response headers" headers={record.responseHeaders} />
            <Body title="Response body" body={d?.responseBody} />
          </>
        )}
        {tab === 'timing' && <TimingBar record={record} />}
      </div>
    </section>
  )
}
