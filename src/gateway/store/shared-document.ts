// One named document of admin-made state (manual routes, a dialect's entities, push registrations):
// kept in a data-dir file for one gateway, or in the shared store (Redis) for a group of gateways.
// Its users read the last known value and change it through `update`, which runs the change on the
// newest stored value, so two instances writing at once both keep their change.

export interface DocumentFormat<T> {
  /** The file's first comment line (without '#'). */
  readonly header: string
  /** A stored value (undefined when there is none yet) → the document; never throws. */
  decode(value: unknown): T
  /** What is stored for a document (default: the document itself). */
  encode?(doc: T): unknown
  /** Reads a file's text into a value (default: YAML); throws a GatewayError on what it cannot read. */
  parseText?(text: string, file: string): unknown
}

export interface SharedDocument<T> {
  readonly name: string
  /** The data-dir file: the store without Redis, the one imported on a first start with Redis. */
  readonly file: string | undefined
  /** The last known value (loaded on first use; served as it is while the store is down). */
  read(): Promise<T>
  /**
   * Runs `change` on the newest stored value and stores the result; resolves once stored. May run
   * `change` again when another instance wrote in between, so it must not have side effects. Throws
   * SP_ERR_STORE_UNAVAILABLE (503) with the shared store down: nothing is stored then.
   */
  update(change: (current: T) => T | Promise<T>): Promise<T>
  /** Calls `listener` after another instance changed the document (and after the store came back). */
  onChange(listener: () => void): () => void
}
