// A plain fleet overview until the full dashboard lands: counts, sites and the camera list,
// refreshed over REST every few seconds.
const STATUSES = ['ok', 'degraded', 'critical', 'offline', 'unknown']
const COLORS = { ok: 'var(--ok)', degraded: 'var(--degraded)', critical: 'var(--critical)', offline: 'var(--offline)', unknown: 'var(--unknown)' }
const SEVERITY = { critical: 0, offline: 1, degraded: 2, unknown: 3, ok: 4 }
const $ = (sel) => document.querySelector(sel)
let token = localStorage.getItem('camtel.token') || ''

async function api(path) {
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {}, credentials: 'same-origin' })
  if (res.status === 401) {
    askToken()
    throw new Error('unauthorized')
  }
  if (!res.ok) throw new Error(`${path}: ${res.status}`)
  return res.json()
}

function askToken() {
  const dialog = $('#token-dialog')
  if (dialog.open) return
  dialog.showModal()
  dialog.addEventListener('close', () => {
    token = $('#token').value.trim()
    localStorage.setItem('camtel.token', token)
    refresh()
  }, { once: true })
}

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') e.setAttribute('style', v)
    else e[k] = v
  }
  e.append(...children)
  return e
}

function fmt(v, digits = 1) {
  return v === undefined || v === null ? '—' : Number(v).toFixed(digits)
}

function ago(iso) {
  if (!iso) return 'never'
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.round(s / 60)}m ago`
  if (s < 86400) return `${Math.round(s / 3600)}h ago`
  return `${Math.round(s / 86400)}d ago`
}

function renderTiles(summary) {
  const tiles = [el('div', { className: 'tile', style: '--c: var(--text)' }, el('div', { className: 'n', textContent: summary.cameras }), el('div', { className: 'l', textContent: 'cameras' }))]
  for (const s of STATUSES) {
    tiles.push(el('div', { className: 'tile', style: `--c: ${COLORS[s]}` }, el('div', { className: 'n', textContent: summary.byStatus[s] }), el('div', { className: 'l', textContent: s })))
  }
  $('#tiles').replaceChildren(...tiles)
}

function renderSites(summary) {
  const rows = summary.sites.map((site) => {
    const bar = el('div', { className: 'bar', title: STATUSES.map((s) => `${s}: ${site.byStatus[s]}`).join(', ') })
    for (const s of STATUSES) {
      if (site.byStatus[s] > 0) bar.append(el('span', { style: `width:${(100 * site.byStatus[s]) / site.cameras}%;background:${COLORS[s]}` }))
    }
    return el('tr', {}, el('td', { textContent: site.name }), el('td', { className: 'num', textContent: site.cameras }), el('td', {}, bar), el('td', { className: 'num', textContent: site.byStatus.offline }))
  })
  $('#sites tbody').replaceChildren(...rows)
}

let cameras = []
function renderCameras() {
  const q = $('#filter').value.trim().toLowerCase()
  const shown = cameras
    .filter((c) => !q || [c.id, c.name, c.model ?? '', ...(c.tags ?? [])].some((s) => s.toLowerCase().includes(q)))
    .sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status] || a.id.localeCompare(b.id))
  const rows = shown.slice(0, 500).map((c) =>
    el('tr', {},
      el('td', {}, el('span', { className: 'pill', style: `--c:${COLORS[c.status]}`, textContent: c.status })),
      el('td', { title: c.id, textContent: c.name }),
      el('td', { textContent: c.siteId }),
      el('td', { className: 'num', textContent: fmt(c.metrics.fps) }),
      el('td', { className: 'num', textContent: fmt(c.metrics.temperature_c) }),
      el('td', { className: 'num', textContent: fmt(c.metrics.disk_used_pct) }),
      el('td', { className: 'num', textContent: fmt(c.metrics.packet_loss_pct, 2) }),
      el('td', { className: 'muted', textContent: ago(c.lastSeen) })))
  $('#cameras tbody').replaceChildren(...rows)
  $('#count').textContent = `${shown.length} of ${cameras.length} cameras${shown.length > 500 ? ' (first 500 shown)' : ''}`
}

async function refresh() {
  try {
    const [summary, list] = await Promise.all([api('/api/v1/fleet/summary'), api('/api/v1/cameras?limit=10000')])
    renderTiles(summary)
    renderSites(summary)
    cameras = list.cameras
    renderCameras()
    $('#conn').className = 'conn live'
    $('#conn').textContent = `updated ${new Date().toLocaleTimeString()}`
  } catch (err) {
    $('#conn').className = 'conn down'
    $('#conn').textContent = err.message === 'unauthorized' ? 'sign-in needed' : 'server unreachable, retrying'
  }
}

async function showBanner() {
  try {
    const health = await (await fetch('/healthz')).json()
    if (health.auth === 'off') {
      $('#banner').textContent = 'Demo mode: authentication is off. Anyone who can reach this address has full access.'
      $('#banner').hidden = false
    }
  } catch {
    // the refresh loop reports an unreachable server
  }
}

$('#filter').addEventListener('input', renderCameras)
showBanner()
refresh()
setInterval(refresh, 5000)
