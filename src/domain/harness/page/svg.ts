/**
 * The little SVG a run's report page draws with: scales, axes, and escaping. Plain strings, no
 * library and no script, so the page is one self-contained file that opens anywhere.
 */

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

export interface Frame {
  readonly width: number
  readonly height: number
  readonly left: number
  readonly right: number
  readonly top: number
  readonly bottom: number
}

export const frame = (width: number, height: number): Frame => ({ width, height, left: 56, right: 16, top: 12, bottom: 34 })

export type Scale = ((value: number) => number) & { readonly ticks: ReadonlyArray<number>; readonly label: (value: number) => string }

const round = (value: number): string => (Math.round(value * 10) / 10).toString()

/** A linear scale from [lo, hi] onto [from, to], with about five round ticks. */
export const linear = (lo: number, hi: number, from: number, to: number, label: (value: number) => string = round): Scale => {
  const span = hi > lo ? hi - lo : 1
  const raw = span / 5
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw
  const ticks: Array<number> = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t)
  const scale = (value: number): number => from + ((value - lo) / span) * (to - from)
  return Object.assign(scale, { ticks, label })
}

/** A base-10 log scale from [lo, hi] onto [from, to], ticks at the powers of ten. */
export const logarithmic = (lo: number, hi: number, from: number, to: number, label: (value: number) => string): Scale => {
  const a = Math.log10(lo)
  const b = Math.log10(Math.max(hi, lo * 10))
  const ticks: Array<number> = []
  for (let e = Math.ceil(a); e <= Math.floor(b); e++) ticks.push(10 ** e)
  const scale = (value: number): number => from + ((Math.log10(Math.max(value, lo)) - a) / (b - a)) * (to - from)
  return Object.assign(scale, { ticks, label })
}

/** Both axes with their ticks and titles. */
export const axes = (f: Frame, x: Scale, y: Scale, xTitle: string, yTitle: string): string => {
  const x0 = f.left
  const x1 = f.width - f.right
  const y0 = f.height - f.bottom
  const y1 = f.top
  const parts = [`<line class="axis" x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/>`, `<line class="axis" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/>`]
  for (const t of x.ticks) {
    const px = x(t).toFixed(1)
    parts.push(`<line class="tick" x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 4}"/>`, `<text x="${px}" y="${y0 + 15}" text-anchor="middle">${escapeHtml(x.label(t))}</text>`)
  }
  for (const t of y.ticks) {
    const py = y(t).toFixed(1)
    parts.push(`<line class="grid" x1="${x0}" y1="${py}" x2="${x1}" y2="${py}"/>`, `<text x="${x0 - 5}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeHtml(y.label(t))}</text>`)
  }
  parts.push(`<text x="${(x0 + x1) / 2}" y="${f.height - 3}" text-anchor="middle" class="title">${escapeHtml(xTitle)}</text>`)
  parts.push(`<text x="12" y="${(y0 + y1) / 2}" text-anchor="middle" class="title" transform="rotate(-90 12 ${(y0 + y1) / 2})">${escapeHtml(yTitle)}</text>`)
  return parts.join("")
}

export const svg = (f: Frame, body: string, label: string): string =>
  `<svg viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeHtml(label)}">${body}</svg>`

export const polyline = (points: ReadonlyArray<readonly [number, number]>, cls: string): string =>
  points.length === 0 ? "" : `<polyline class="${cls}" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ")}"/>`
