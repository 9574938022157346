import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { SCHEMA } from './schema.js'
import { SEQ_USED_ELSEWHERE } from './write-core.js'

describe('WriteCore queries', () => {
  it('finds a reused seq through the seq index, not by scanning the camera\'s raw reports', () => {
    const db = new Database(':memory:')
    db.exec(SCHEMA)
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${SEQ_USED_ELSEWHERE}`)
      .all(1, 5, 1000)
      .map((row) => (row as { detail: string }).detail)
      .join('\n')
    expect(plan).toContain('reports_by_seq')
    db.close()
  })
})
