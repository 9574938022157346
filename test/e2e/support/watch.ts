import type { Page } from 'playwright-core'

export interface Problem {
  phase: string
  kind: 'console' | 'pageerror' | 'requestfailed' | 'http'
  text: string
}

/**
 * Records what a person would see go wrong: console errors, uncaught exceptions, same-origin
 * requests that failed or answered an error. Each is tagged with the phase the test was in,
 * so that the deliberate outage can be judged apart from everything else.
 */
export class PageWatch {
  readonly problems: Problem[] = []
  phase = 'setup'

  constructor(page: Page, origin: () => string) {
    const sameOrigin = (url: string) => url.startsWith(origin())
    page.on('console', (m) => {
      if (m.type() === 'error') this.add('console', m.text())
    })
    page.on('pageerror', (e) => this.add('pageerror', e.message))
    page.on('requestfailed', (r) => {
      if (sameOrigin(r.url())) this.add('requestfailed', `${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ''}`)
    })
    page.on('response', (r) => {
      if (sameOrigin(r.url()) && r.status() >= 400) this.add('http', `${r.request().method()} ${r.url()}: ${r.status()}`)
    })
  }

  in(phase: string): Problem[] {
    return this.problems.filter((p) => p.phase === phase)
  }

  private add(kind: Problem['kind'], text: string): void {
    this.problems.push({ phase: this.phase, kind, text })
  }
}
