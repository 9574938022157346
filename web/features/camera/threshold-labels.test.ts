import { describe, expect, it } from 'vitest'
import { type LabelArea, type LabelItem, placeThresholdLabels } from './threshold-labels.js'

const AREA: LabelArea = { left: 50, top: 10, width: 400, height: 200, lineHeight: 14, gap: 4 }

function boxes(items: readonly LabelItem[], area = AREA) {
  return placeThresholdLabels(items, area).map((p, i) => ({ x0: p.x, x1: p.x + (items[i] as LabelItem).width, y0: p.baseline - area.lineHeight, y1: p.baseline }))
}

function overlapping(b: ReturnType<typeof boxes>): boolean {
  for (let i = 0; i < b.length; i++)
    for (let j = i + 1; j < b.length; j++) {
      const p = b[i]!
      const q = b[j]!
      if (p.x0 < q.x1 && q.x0 < p.x1 && p.y0 < q.y1 && q.y0 < p.y1) return true
    }
  return false
}

describe('placeThresholdLabels', () => {
  it('puts a lone label just above its line at the left of the plot', () => {
    expect(placeThresholdLabels([{ y: 100, width: 80 }], AREA)).toEqual([{ x: 54, baseline: 96 }])
  })

  it('keeps labels of lines far apart where they are', () => {
    const places = placeThresholdLabels(
      [
        { y: 60, width: 80 },
        { y: 150, width: 90 },
      ],
      AREA,
    )
    expect(places).toEqual([
      { x: 54, baseline: 56 },
      { x: 54, baseline: 146 },
    ])
  })

  it('moves the label of a nearby line to the right end of it, then below, never overlapping', () => {
    const items = [
      { y: 100, width: 120 },
      { y: 108, width: 110 },
      { y: 104, width: 100 },
      { y: 100, width: 90 },
    ]
    const places = placeThresholdLabels(items, AREA)
    expect(places[0]).toEqual({ x: 54, baseline: 96 })
    // The second line from the top (y 100 too) has its label at the right end.
    expect(places[3]).toEqual({ x: 50 + 400 - 4 - 90, baseline: 96 })
    expect(overlapping(boxes(items))).toBe(false)
    for (const p of places) expect(p.baseline).toBeLessThanOrEqual(AREA.top + AREA.height)
  })

  it('keeps labels inside the plot at its top and bottom edges', () => {
    const items = [
      { y: 11, width: 60 },
      { y: 209, width: 60 },
    ]
    const places = placeThresholdLabels(items, AREA)
    expect(places[0]!.baseline).toBeGreaterThanOrEqual(AREA.top + AREA.lineHeight)
    expect(places[1]!.baseline).toBeLessThanOrEqual(AREA.top + AREA.height)
    expect(overlapping(boxes(items))).toBe(false)
  })

  it('answers in the order of the items, whatever their order on screen', () => {
    const places = placeThresholdLabels(
      [
        { y: 150, width: 50 },
        { y: 40, width: 50 },
      ],
      AREA,
    )
    expect(places.map((p) => p.baseline)).toEqual([146, 36])
  })
})
