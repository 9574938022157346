import type { Database, Statement } from 'better-sqlite3'

/** Custom metric names are data from the outside; an upper bound keeps the dictionary sane. */
export const MAX_METRIC_NAMES = 100_000

export class MetricDictionaryFullError extends Error {
  readonly code = 'metric_dictionary_full'
}

/**
 * Metric name <-> small integer id, the ids that every stored blob uses. Cached in memory;
 * new names are inserted by the caller's transaction, and reload() forgets names of a
 * transaction that rolled back.
 */
export class MetricNames {
  private readonly ids = new Map<string, number>()
  private readonly names = new Map<number, string>()
  private readonly insert: Statement

  constructor(private readonly db: Database) {
    this.insert = db.prepare('INSERT INTO metric_names (id, name) VALUES (?, ?)')
    this.reload()
  }

  idOf(name: string): number | undefined {
    return this.ids.get(name)
  }

  nameOf(id: number): string | undefined {
    return this.names.get(id)
  }

  /** The id of a name, inserting it when new; call inside a write transaction. */
  assign(name: string): number {
    let id = this.ids.get(name)
    if (id === undefined) {
      if (this.ids.size >= MAX_METRIC_NAMES) {
        throw new MetricDictionaryFullError(`more than ${MAX_METRIC_NAMES} distinct metric names`)
      }
      id = this.ids.size + 1
      this.insert.run(id, name)
      this.ids.set(name, id)
      this.names.set(id, name)
    }
    return id
  }

  reload(): void {
    this.ids.clear()
    this.names.clear()
    for (const row of this.db.prepare('SELECT id, name FROM metric_names').all() as Array<{ id: number; name: string }>) {
      this.ids.set(row.name, row.id)
      this.names.set(row.id, row.name)
    }
  }
}
