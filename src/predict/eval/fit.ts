import { sigmoid } from '../stats.js'

export interface LogisticFit {
  readonly bias: number
  readonly weights: number[]
  readonly iterations: number
  /** Mean log loss on the rows it was fitted on. */
  readonly logLoss: number
}

/**
 * Logistic regression by Newton's method (iteratively reweighted least squares) with a small
 * ridge penalty on the weights (not the bias), which keeps it finite when a feature separates
 * the classes perfectly, as clean simulated precursors can.
 */
export function fitLogistic(xs: readonly (readonly number[])[], ys: readonly number[], ridge = 1): LogisticFit {
  const n = xs.length
  if (n === 0) throw new RangeError('no rows to fit')
  const d = (xs[0] as readonly number[]).length + 1
  const beta = new Float64Array(d)
  let iterations = 0
  for (; iterations < 50; iterations++) {
    const grad = new Float64Array(d)
    const hess = Array.from({ length: d }, () => new Float64Array(d))
    for (let i = 0; i < n; i++) {
      const row = xs[i] as readonly number[]
      let z = beta[0] as number
      for (let j = 1; j < d; j++) z += (beta[j] as number) * (row[j - 1] as number)
      const p = sigmoid(z)
      const w = Math.max(p * (1 - p), 1e-9)
      const r = (ys[i] as number) - p
      for (let a = 0; a < d; a++) {
        const xa = a === 0 ? 1 : (row[a - 1] as number)
        grad[a]! += r * xa
        for (let b = a; b < d; b++) hess[a]![b]! += w * xa * (b === 0 ? 1 : (row[b - 1] as number))
      }
    }
    for (let a = 1; a < d; a++) {
      grad[a]! -= ridge * (beta[a] as number)
      hess[a]![a]! += ridge
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) hess[a]![b] = hess[b]![a] as number
    const step = solve(hess, grad)
    let change = 0
    for (let a = 0; a < d; a++) {
      beta[a]! += step[a] as number
      change = Math.max(change, Math.abs(step[a] as number))
    }
    if (change < 1e-6) break
  }
  let loss = 0
  for (let i = 0; i < n; i++) {
    const row = xs[i] as readonly number[]
    let z = beta[0] as number
    for (let j = 1; j < d; j++) z += (beta[j] as number) * (row[j - 1] as number)
    const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(z)))
    loss -= (ys[i] as number) === 1 ? Math.log(p) : Math.log(1 - p)
  }
  return { bias: beta[0] as number, weights: [...beta.slice(1)], iterations, logLoss: loss / n }
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and symmetric positive definite). */
function solve(a: readonly Float64Array[], b: Float64Array): Float64Array {
  const n = b.length
  const m: number[][] = a.map((row, i) => [...row, b[i] as number])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r
    ;[m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]]
    const p = m[col]![col]!
    if (Math.abs(p) < 1e-12) continue
    for (let r = 0; r < n; r++) {
      if (r === col) continue
      const f = m[r]![col]! / p
      if (f === 0) continue
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!
    }
  }
  const x = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const p = m[i]![i]!
    x[i] = Math.abs(p) < 1e-12 ? 0 : m[i]![n]! / p
  }
  return x
}

/**
 * Isotonic calibration (pool-adjacent-violators) of scores to probabilities: the monotone step
 * function of score that best fits the labels. Scores are first pooled into at most `bins`
 * equal-count groups; the answer is each pooled block as two knots, (lowest score, p) and
 * (highest score, p): a step function, which the risk model follows (linear only across the gaps
 * between blocks). Each block's rate is shrunk a little towards the overall rate so that no knot
 * claims a certainty a finite sample cannot show.
 */
export function fitIsotonic(scores: readonly number[], ys: readonly number[], bins = 4000): Array<[number, number]> {
  const order = scores.map((s, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  const overall = ys.reduce((a, b) => a + b, 0) / Math.max(1, ys.length)
  interface Block {
    sum: number
    n: number
    lo: number
    hi: number
  }
  const blocks: Block[] = []
  const per = Math.max(1, Math.ceil(order.length / bins))
  for (let k = 0; k < order.length; ) {
    // Equal scores always share a block: a score cannot map to two probabilities.
    let end = Math.min(order.length, k + per)
    while (end < order.length && scores[order[end] as number] === scores[order[end - 1] as number]) end++
    const b: Block = { sum: 0, n: 0, lo: scores[order[k] as number] as number, hi: scores[order[end - 1] as number] as number }
    for (let j = k; j < end; j++) {
      b.sum += ys[order[j] as number] as number
      b.n += 1
    }
    blocks.push(b)
    k = end
  }
  const stack: Block[] = []
  for (const b of blocks) {
    stack.push({ ...b })
    while (stack.length > 1) {
      const top = stack[stack.length - 1] as Block
      const below = stack[stack.length - 2] as Block
      // Equal rates pool too: one block per level, with all the rows behind it.
      if (below.sum / below.n < top.sum / top.n) break
      stack.pop()
      below.sum += top.sum
      below.n += top.n
      below.hi = top.hi
    }
  }
  const knots: Array<[number, number]> = []
  for (const b of stack) {
    const p = round((b.sum + overall) / (b.n + 1), 4)
    knots.push([round(b.lo, 4), p])
    if (b.hi > b.lo) knots.push([round(b.hi, 4), p])
  }
  return knots
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
