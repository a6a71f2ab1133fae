// Response fields a program set, added or removed (`response.Header`), kept on the request's context
// and applied by the exchange to the head of whatever answer the client gets, the upstream's or the
// gateway's own.
import type { ResponseFields } from '../http/response-fields.ts'

/** A response field a program set (replacing the answer's) or added (beside the answer's). */
interface Edit {
  replace: boolean
  values: string[]
}

/** What programs did to the response's fields, applied to the head of the answer the client gets. */
export class ResponseHeaderEdits {
  readonly #edits = new Map<string, Edit>()

  get(key: string): string {
    return this.#edits.get(key)?.values[0] ?? ''
  }

  set(key: string, value: string): void {
    this.#edits.set(key, { replace: true, values: [value] })
  }

  add(key: string, value: string): void {
    const edit = this.#edits.get(key)
    if (edit === undefined) this.#edits.set(key, { replace: false, values: [value] })
    else edit.values.push(value)
  }

  del(key: string): void {
    this.#edits.set(key, { replace: true, values: [] })
  }

  /** A copy of `fields` with the edits made (the upstream's object is not changed). */
  apply(fields: ResponseFields): ResponseFields {
    const out: Record<string, string | string[]> = { ...fields } as Record<string, string | string[]>
    for (const [key, edit] of this.#edits) {
      const had = out[key]
      const values = edit.replace ? edit.values : [...(had === undefined ? [] : [had].flat()), ...edit.values]
      if (values.length === 0) delete out[key]
      else out[key] = values.length === 1 ? (values[0] as string) : values
    }
    return out as ResponseFields
  }
}
