/**
 * Pixels per rem as the page has them now: 14 on a 1080p screen, up to 24 on a video wall.
 * For what is drawn in pixels (canvas charts, map icons) and must grow with the text.
 */
export function remPx(): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 14
}
