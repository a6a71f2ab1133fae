import { useMemo, useState } from 'react'
import { useEffectiveConfig } from '../api/queries.ts'
import type { ConfigIssue, EffectiveConfig } from '../api/types.ts'
import { Badge } from '../components/badges.tsx'
import { queryGate } from '../components/states.tsx'

const ENTITY_LABEL: Record<ConfigIssue['entity'], string> = {
  route: 'Routes',
  settings: 'Settings',
  file: 'Config file',
}

const EFFECT_LABEL: Record<ConfigIssue['effect'], string> = {
  rejected: 'save not applied',
  disabled: 'not applied',
  warning: 'warning',
}

/** `sallyport.yaml:7:3 · routes[6].timeout`, from what the gateway knows. */
function where(issue: ConfigIssue): string {
  const file = issue.file?.split(/[\\/]/).pop()
  const at = file
    ? `${file}${issue.line ? `:${issue.line}${issue.column ? `:${issue.column}` : ''}` : ''}`
    : ''
  return [at, issue.field].filter(Boolean).join(' · ')
}

/** What the latest saves did, in one sentence: never "applied" when something was not. */
function StatusLine({ data }: { data: EffectiveConfig }) {
  const version = `version ${String(data.version)}`
  const status = data.status ?? (data.issues.length ? 'partial' : 'applied')
  if (status === 'rejected')
    return (
      <p className="error-box" role="alert" data-testid="config-status">
        The last save of {data.configFile ? <code>{data.configFile}</code> : 'a source'} was not applied: the
        gateway keeps serving {version}. Fix the problem below and save again.
      </p>
    )
  // Warnings (a route another one outranks) leave everything applied.
  if (status === 'applied' && data.issues.length > 0 && data.issues.every((i) => i.effect === 'warning'))
    return (
      <p className="hint" data-testid="config-status">
        Every route and setting of {version} applied; the warnings below say where it does not work as
        written.
      </p>
    )
  if (status === 'partial' || data.issues.length > 0)
    return (
      <p className="hint" data-testid="config-status">
        The routes below were not applied; the rest of {version} is serving.
      </p>
    )
  return (
    <p className="ok-line" data-testid="config-status">
      No problems: every route and setting of {version} applied.
    </p>
  )
}

function IssueTable({ entity, issues }: { entity: ConfigIssue['entity']; issues: ConfigIssue[] }) {
  return (
    <section className="issue-group">
      <h3>
        {ENTITY_LABEL[entity]} <span className="muted">({issues.length})</span>
      </h3>
      <div className="table-scroll">
        <table className="data-table wrap">
          <caption className="visually-hidden">Problems with {ENTITY_LABEL[entity].toLowerCase()}</caption>
          <thead>
            <tr>
              <th scope="col">Entity</th>
              <th scope="col">Where</th>
              <th scope="col">Source</th>
              <th scope="col">Problem</th>
              <th scope="col">Effect</th>
            </tr>
          </thead>
          <tbody>
            {issues.map((issue) => (
              <tr key={`${issue.source}:${issue.id}:${issue.code}:${issue.message}`}>
                <td>
                  <code>{issue.id}</code>
                </td>
                <td>{where(issue) || <span className="muted">—</span>}</td>
                <td>{issue.source}</td>
                <td>
                  {issue.message} <span className="muted small">{issue.code}</span>
                </td>
                <td>
                  <Badge tone={issue.effect === 'warning' ? 'warn' : 'bad'}>
                    {EFFECT_LABEL[issue.effect]}
                  </Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export default function ConfigPage() {
  const config = useEffectiveConfig()
  const [copied, setCopied] = useState(false)
  const data = config.data
  const text = useMemo(() => (data ? JSON.stringify(data.config, null, 2) : ''), [data])
  const groups = useMemo(() => {
    const map = new Map<ConfigIssue['entity'], ConfigIssue[]>()
    for (const issue of data?.issues ?? []) map.set(issue.entity, [...(map.get(issue.entity) ?? []), issue])
    return [...map.entries()]
  }, [data])

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Config</h1>
          <p className="subtitle">
            The configuration the gateway is running now, after merging every source, and every problem that
            kept a save or a route from applying. Secrets are redacted.
          </p>
        </div>
      </div>
      {queryGate(config, 'the configuration', {
        feature: 'The effective configuration',
        endpoint: 'GET api/config',
      })}
      {data && (
        <>
          <dl className="kv inline config-meta">
            <div>
              <dt>Config file</dt>
              <dd>
                {data.configFile ? (
                  <code data-testid="config-file">{data.configFile}</code>
                ) : (
                  <span className="muted">none (built-in defaults)</span>
                )}
              </dd>
            </div>
            <div>
              <dt>Applied version</dt>
              <dd data-testid="config-version">{String(data.version)}</dd>
            </div>
            <div>
              <dt>Hash</dt>
              <dd>
                <code title={data.hash} data-testid="config-hash">
                  {data.hash.slice(0, 12)}
                </code>
              </dd>
            </div>
            {data.appliedAt && (
              <div>
                <dt>Applied at</dt>
                <dd>
                  <time dateTime={data.appliedAt}>{new Date(data.appliedAt).toLocaleTimeString()}</time>
                </dd>
              </div>
            )}
          </dl>
          <section aria-labelledby="problems-title">
            <h2 id="problems-title">Problems</h2>
            <StatusLine data={data} />
            {groups.map(([entity, issues]) => (
              <IssueTable key={entity} entity={entity} issues={issues} />
            ))}
          </section>
          <section aria-labelledby="effective-title">
            <div className="section-header">
              <h2 id="effective-title">Effective configuration</h2>
              <button
                type="button"
                className="button ghost small"
                onClick={() => navigator.clipboard?.writeText(text).then(() => setCopied(true))}
              >
                {copied ? 'Copied' : 'Copy JSON'}
              </button>
            </div>
            <section
              className="code-block"
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
              tabIndex={0}
              aria-label="Effective configuration as JSON"
            >
              <pre>{text}</pre>
            </section>
          </section>
        </>
      )}
    </>
  )
}
