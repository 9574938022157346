import type { Database, Statement } from 'better-sqlite3'

/** Caches the camera id -> internal number mapping that every telemetry row uses. */
export class CameraNumbers {
  private readonly byId = new Map<string, number>()
  private readonly lookup: Statement

  constructor(db: Database) {
    this.lookup = db.prepare('SELECT num FROM cameras WHERE id = ?').pluck()
    for (const row of db.prepare('SELECT id, num FROM cameras').all() as Array<{ id: string; num: number }>) {
      this.byId.set(row.id, row.num)
    }
  }

  get(id: string): number | undefined {
    let num = this.byId.get(id)
    if (num === undefined) {
      num = this.lookup.get(id) as number | undefined
      if (num !== undefined) this.byId.set(id, num)
    }
    return num
  }

  require(id: string): number {
    const num = this.get(id)
    if (num === undefined) throw new Error(`camera ${id} is not registered`)
    return num
  }

  forget(id: string): void {
    this.byId.delete(id)
  }
}
