/** A threshold's label to place: the y of its line, and the label's width (canvas pixels). */
export interface LabelItem {
  y: number
  width: number
}

/** Where a label goes: its left edge and its baseline. */
export interface LabelPlace {
  x: number
  baseline: number
}

export interface LabelArea {
  left: number
  top: number
  width: number
  height: number
  /** A label's height, with its spacing. */
  lineHeight: number
  /** Between a label and its line, and from the plot's sides. */
  gap: number
}

/**
 * Places the labels of threshold lines so that none overlaps another: each goes just above its
 * line at the left of the plot; where that spot is taken, at the right end of its line; where
 * both are, below its line on the left, then further down, until free. Labels stay inside the
 * plot area. Answers one place per item, in the items' order.
 */
export function placeThresholdLabels(items: readonly LabelItem[], area: LabelArea): LabelPlace[] {
  const taken: Array<{ x0: number; x1: number; y0: number; y1: number }> = []
  const overlaps = (x0: number, x1: number, y0: number, y1: number) => taken.some((t) => x0 < t.x1 && t.x0 < x1 && y0 < t.y1 && t.y0 < y1)
  const bottom = area.top + area.height
  // From the top down, so that pushing a label down never meets one placed later above it.
  const order = items.map((item, i) => ({ item, i })).sort((a, b) => a.item.y - b.item.y)
  const out: LabelPlace[] = new Array(items.length)
  for (const { item, i } of order) {
    const left = area.left + area.gap
    const right = Math.max(left, area.left + area.width - area.gap - item.width)
    const clampBaseline = (b: number) => Math.min(bottom - 2, Math.max(area.top + area.lineHeight, b))
    const above = clampBaseline(item.y - area.gap)
    const candidates: LabelPlace[] = [
      { x: left, baseline: above },
      { x: right, baseline: above },
    ]
    for (let k = 0; k < items.length + 1; k++) candidates.push({ x: left, baseline: clampBaseline(item.y + area.lineHeight + k * area.lineHeight) })
    let chosen = candidates.find((c) => !overlaps(c.x, c.x + item.width, c.baseline - area.lineHeight, c.baseline))
    // A plot too small for them all: the last resort is its own spot above the line.
    chosen ??= { x: left, baseline: above }
    taken.push({ x0: chosen.x, x1: chosen.x + item.width, y0: chosen.baseline - area.lineHeight, y1: chosen.baseline })
    out[i] = chosen
  }
  return out
}
