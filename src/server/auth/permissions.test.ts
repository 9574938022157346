import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, startTestServer } from '../test-support/test-server.js'
import { type Permission, ROLES, type Role, roleGrants } from './roles.js'

const DOC = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8')

interface Row {
  method: string
  path: string
  permission: Permission
}

/** The permission table of docs/security.md, between its markers. */
function documentedTable(): Row[] {
  const section = DOC.split('<!-- permission-table:start -->')[1]?.split('<!-- permission-table:end -->')[0] ?? ''
  const rows: Row[] = []
  for (const line of section.split('\n')) {
    const m = /^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`[^|]*\|\s*([a-z:]+)\s*\|$/.exec(line.trim())
    if (m) rows.push({ method: m[1] as string, path: m[2] as string, permission: m[3] as Permission })
  }
  return rows
}

function documented(rows: Row[], method: string, url: string): Row | undefined {
  const exact = rows.find((r) => r.method === method && r.path === url)
  return exact ?? rows.find((r) => r.method === method && r.path.endsWith('*') && url.startsWith(r.path.slice(0, -1)))
}

let t: TestServer
const tokens = {} as Record<Role, string>

beforeAll(async () => {
  t = await startTestServer()
  await t.api('/api/v1/sites/north', { method: 'PUT', json: { name: 'North' } })
  for (const role of ROLES) {
    const res = await t.api('/api/v1/tokens', { method: 'POST', json: { name: `${role} token`, role, ...(role === 'admin' ? {} : { sites: ['north'] }) } })
    expect(res.status).toBe(201)
    tokens[role] = ((await res.json()) as { token: string }).token
  }
})
afterAll(async () => {
  await t.close()
})

describe('the permission table', () => {
  it('has a row, with the same permission, for every registered route', () => {
    const rows = documentedTable()
    expect(rows.length).toBeGreaterThan(20)
    const missing = t.server.routes.filter((r) => documented(rows, r.method, r.url)?.permission !== r.permission)
    expect(missing, `routes missing from docs/security.md or with another permission: ${JSON.stringify(missing)}`).toEqual([])
    for (const r of t.server.routes) expect(r.permission, `${r.method} ${r.url}`).toBeDefined()
  })

  it('lists no route that does not exist', () => {
    const rows = documentedTable().filter((r) => !r.path.includes('*'))
    for (const row of rows) expect(t.server.routes.some((r) => r.method === row.method && r.url === row.path), `${row.method} ${row.path}`).toBe(true)
  })

  const concrete = documentedTable().filter((r) => !r.path.includes('*'))
  it.each(concrete.map((r) => [`${r.method} ${r.path}`, r] as const))('%s holds for every role and for no credentials', async (_name, row) => {
    const path = row.path.replace(':id', 'north').replace(':name', 'nobody')
    const init = (token: string | null) => ({
      method: row.method,
      token,
      ...(row.method === 'GET' || row.method === 'DELETE' ? {} : { json: {} }),
    })
    const anonymous = await t.api(path, init(null))
    if (row.permission === 'public') expect(anonymous.status).not.toBe(401)
    else expect(anonymous.status).toBe(401)
    for (const role of ROLES) {
      const res = await t.api(path, init(tokens[role]))
      const body = await res.text()
      const refusedByGuard = res.status === 403 && body.includes(`the ${role} role may not do this`)
      expect({ role, refusedByGuard }).toEqual({ role, refusedByGuard: !roleGrants(role, row.permission) })
      expect(res.status, `${role}: ${body}`).not.toBe(401)
    }
  })
})
