import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** Debian's Chromium: the e2e tests never download a browser of their own. */
export const CHROMIUM = '/usr/bin/chromium'

export function hasChromium(): boolean {
  return existsSync(CHROMIUM)
}

export interface Headless {
  context: BrowserContext
  close(): Promise<void>
}

/** Headless Chromium with a fresh profile, no network of its own (no updates, sync, QUIC). */
export async function launchChromium(viewport = { width: 1920, height: 1080 }): Promise<Headless> {
  const profile = mkdtempSync(join(tmpdir(), 'camtel-chromium-'))
  // A persistent context is how Playwright takes a profile folder (it refuses --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    context,
    async close() {
      await context.close().catch(() => undefined)
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
