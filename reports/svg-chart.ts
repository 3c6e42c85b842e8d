// A line chart as inline SVG (no scripts, fonts or external files): time on x with shaded fault
// windows, one path per line; a bucket's value is a level step over the bucket's span (what the
// data says: measured somewhere in it), breaks where buckets are missing. Every text passes
// through esc().

export function esc(value: unknown): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * A value measured over [t, end) (a time bucket, or the part of one a phase held), drawn as a
 * level step over that span: never before its start, so a fault's effect never shows before
 * the fault. Without `end`, a value at the instant t.
 */
export interface ChartPoint {
  t: number;
  end?: number;
  v: number | null;
}

export interface ChartLine {
  name: string;
  color: string;
  points: ChartPoint[];
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  unit: string;
  start: number;
  end: number;
  /** Time with no value between one point's end and the next point's start, longer than this (ms), breaks the line. */
  gapMs: number;
  lines: ChartLine[];
  windows: { name: string; start: number; end: number }[];
  formatValue: (v: number) => string;
  /** The y axis reaches at least this (e.g. 100 for percentages shown against a limit). */
  minYMax?: number;
}

const W = 920;
const H = 240;
const M = { top: 14, right: 16, bottom: 30, left: 64 };

/** Durations as m:ss or h:mm:ss from the run's start. */
export function formatElapsed(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function niceStep(range: number, maxTicks: number): number {
  const raw = range / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * mag >= raw) return f * mag;
  return 10 * mag;
}

const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];

export function renderChart(spec: ChartSpec): string {
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const span = Math.max(1, spec.end - spec.start);
  // A first bucket that starts before the first sample is drawn at the axis start, not left of it.
  const x = (t: number) => M.left + ((Math.max(t, spec.start) - spec.start) / span) * iw;
  let yMax = spec.minYMax ?? 0;
  for (const l of spec.lines) for (const p of l.points) if (p.v !== null && p.v > yMax) yMax = p.v;
  if (yMax <= 0) yMax = 1;
  const yStep = niceStep(yMax * 1.05, 5);
  yMax = Math.ceil((yMax * 1.05) / yStep) * yStep;
  const y = (v: number) => M.top + ih - (v / yMax) * ih;

  const parts: string[] = [];
  parts.push(`<rect class="plot" x="${M.left}" y="${M.top}" width="${iw}" height="${ih}"/>`);
  for (const w of spec.windows) {
    const x0 = Math.max(M.left, x(w.start));
    const x1 = Math.min(M.left + iw, x(w.end));
    if (x1 <= x0) continue;
    parts.push(
      `<rect class="fault-window" x="${x0.toFixed(1)}" y="${M.top}" width="${(x1 - x0).toFixed(1)}" height="${ih}"><title>${esc(w.name)}: ${esc(formatElapsed(w.start - spec.start))} – ${esc(formatElapsed(w.end - spec.start))}</title></rect>`,
    );
    parts.push(`<text class="window-label" x="${(x0 + 3).toFixed(1)}" y="${M.top + 11}">${esc(w.name)}</text>`);
  }
  for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
    const yy = y(v).toFixed(1);
    parts.push(`<line class="grid" x1="${M.left}" x2="${M.left + iw}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(spec.formatValue(v))}</text>`);
  }
  const stepMs = (TIME_STEPS_S.find((s) => s * 1000 * 8 >= span) ?? 21600) * 1000;
  for (let t = 0; t <= span; t += stepMs) {
    const xx = x(spec.start + t).toFixed(1);
    parts.push(`<line class="xtick" x1="${xx}" x2="${xx}" y1="${M.top + ih}" y2="${M.top + ih + 4}"/>`);
    parts.push(`<text class="tick" x="${xx}" y="${M.top + ih + 16}" text-anchor="middle">${esc(formatElapsed(t))}</text>`);
  }
  parts.push(`<text class="axis-label" x="12" y="${M.top + ih / 2}" transform="rotate(-90 12 ${M.top + ih / 2})" text-anchor="middle">${esc(spec.unit)}</text>`);

  for (const line of spec.lines) {
    let d = '';
    let drawn = 0;
    let prevEnd: number | undefined;
    let lone = { x: 0, y: 0 };
    for (const p of line.points) {
      if (p.v === null) {
        prevEnd = undefined;
        continue;
      }
      const end = p.end ?? p.t;
      const yy = y(p.v).toFixed(1);
      // Joined to the previous step by a vertical line at the boundary, unless time is missing between.
      const cmd = prevEnd === undefined || p.t - prevEnd > spec.gapMs ? 'M' : 'L';
      d += `${cmd}${x(p.t).toFixed(1)},${yy}`;
      if (end > p.t) d += `L${x(end).toFixed(1)},${yy}`;
      prevEnd = end;
      lone = { x: (x(p.t) + x(end)) / 2, y: y(p.v) };
      drawn++;
    }
    if (!drawn) continue;
    // A lone value may be an invisible path (an instant, or a step a pixel wide): mark it with a dot.
    const dot = drawn === 1 ? `<circle cx="${lone.x.toFixed(1)}" cy="${lone.y.toFixed(1)}" r="3" fill="${esc(line.color)}"/>` : '';
    parts.push(
      `<path class="series-line" data-series="${esc(line.name)}" data-points="${drawn}" d="${d}" stroke="${esc(line.color)}"${line.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(line.name)}</title></path>${dot}`,
    );
  }

  const legend = spec.lines.map((l) => `<span class="key"><i style="background:${esc(l.color)}"></i>${esc(l.name)}</span>`).join('');
  const windowKey = spec.windows.length ? '<span class="key"><i class="fault-key"></i>fault window</span>' : '';
  return `<figure class="chart"><figcaption>${esc(spec.title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}">${parts.join('')}</svg><div class="legend">${legend}${windowKey}</div></figure>`;
}
