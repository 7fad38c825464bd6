/**
 * Small pieces shared by the SVG charts (loss curves, scatter plots): tick placement, number labels, escaping,
 * a colour palette, and the axes frame. Hand-written because a chart library would pull in a DOM or a canvas for
 * what is a few dozen lines of text output.
 */

/** Colour-blind-friendly categorical palette (the common "tab10" colours). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** About `count` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(6)));
}

/** Expand a degenerate range so it can be drawn. */
export function padRange(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi > lo) return [lo, hi];
  const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
  return [lo - d, hi + d];
}

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: [number, number];
  y: [number, number];
}

export function sx(f: Frame, v: number): number {
  return f.left + ((v - f.x[0]) / (f.x[1] - f.x[0])) * (f.width - f.left - f.right);
}

export function sy(f: Frame, v: number): number {
  return f.height - f.bottom - ((v - f.y[0]) / (f.y[1] - f.y[0])) * (f.height - f.top - f.bottom);
}

/** Axes box, ticks with labels, light grid lines, axis titles and the chart title. */
export function axesSvg(f: Frame, title: string, xLabel: string, yLabel: string): string {
  const parts: string[] = [];
  const x0 = f.left, x1 = f.width - f.right, y0 = f.height - f.bottom, y1 = f.top;
  parts.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="white" stroke="#333"/>`);
  for (const t of niceTicks(f.x[0], f.x[1], 6)) {
    const px = sx(f, t).toFixed(1);
    parts.push(`<line x1="${px}" y1="${y1}" x2="${px}" y2="${y0}" stroke="#e6e6e6"/>`);
    parts.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 5}" stroke="#333"/>`);
    parts.push(`<text x="${px}" y="${y0 + 18}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`);
  }
  for (const t of niceTicks(f.y[0], f.y[1], 5)) {
    const py = sy(f, t).toFixed(1);
    parts.push(`<line x1="${x0}" y1="${py}" x2="${x1}" y2="${py}" stroke="#e6e6e6"/>`);
    parts.push(`<line x1="${x0 - 5}" y1="${py}" x2="${x0}" y2="${py}" stroke="#333"/>`);
    parts.push(`<text x="${x0 - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTick(t))}</text>`);
  }
  parts.push(`<text x="${(x0 + x1) / 2}" y="${f.height - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  parts.push(`<text x="14" y="${(y0 + y1) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(y0 + y1) / 2})">${escapeXml(yLabel)}</text>`);
  parts.push(`<text x="${(x0 + x1) / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`);
  return parts.join('\n');
}

export interface LegendEntry {
  name: string;
  color: string;
  /** 'line' for curves, 'dot' for point sets. */
  symbol: 'line' | 'dot';
}

export function legendSvg(f: Frame, entries: readonly LegendEntry[]): string {
  const x = f.width - f.right + 12;
  return entries
    .map((e, i) => {
      const y = f.top + 10 + i * 20;
      const sym =
        e.symbol === 'line'
          ? `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${e.color}" stroke-width="2"/>`
          : `<circle cx="${x + 11}" cy="${y}" r="4" fill="${e.color}"/>`;
      return `${sym}<text x="${x + 28}" y="${y}" dominant-baseline="middle">${escapeXml(e.name)}</text>`;
    })
    .join('\n');
}

export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`
  );
}
