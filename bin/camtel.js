#!/usr/bin/env node
// Runs the compiled CLI; in a checkout without a build (e.g. installed with
// --ignore-scripts) it falls back to running the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = new URL('../dist/cli/main.js', import.meta.url)
if (existsSync(compiled)) {
  warnIfStale(fileURLToPath(compiled), fileURLToPath(new URL('../src', import.meta.url)))
  await import(compiled.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(new URL('../src/cli/main.ts', import.meta.url).href)
}

/**
 * In a checkout whose sources changed after the last build (a `git pull` without `npm install`),
 * says so rather than silently running the older build. An installed package has no src/.
 */
function warnIfStale(built, srcDir) {
  if (!existsSync(srcDir)) return
  const builtAt = statSync(built).mtimeMs
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const path = `${dir}/${e.name}`
      if (e.isDirectory()) return newer(path)
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && statSync(path).mtimeMs > builtAt
    })
  if (newer(srcDir)) process.stderr.write('camtel: src/ has changed since the last build, which is what runs now: run `npm run build` (or `npm run dev -- serve` to run the sources)\n')
}
