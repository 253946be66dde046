/**
 * The dashboard's two charts, drawn as plain SVG at the element's real pixel width (a ResizeObserver keeps the
 * viewBox 1:1 with the box, so labels stay readable on a phone instead of shrinking with the drawing).
 */
import { html, svg, nothing } from 'lit';
import { LightElement } from '../shared/light-element.js';
import { reasonLabel } from './format.js';
import type { ProcessorCharge } from './admin-api.js';

abstract class SizedChart extends LightElement {
  static override properties = { _width: { state: true } };
  declare _width: number;
  #observer = new ResizeObserver((entries) => {
    const w = Math.floor(entries[0]?.contentRect.width ?? 0);
    if (w && w !== this._width) this._width = w;
  });

  constructor() {
    super();
    this._width = 0;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#observer.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#observer.disconnect();
  }
}

const BAR_H = 22;
const BAR_GAP = 10;

/** Horizontal bars: how many interruptions each reason caused. */
export class InterruptionsChart extends SizedChart {
  static override properties = { ...SizedChart.properties, data: { attribute: false } };
  declare data: Record<string, number>;

  constructor() {
    super();
    this.data = {};
  }

  override render() {
    const rows = Object.entries(this.data ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (rows.length === 0) return html`<p class="chart-empty">No interruptions yet.</p>`;
    const w = this._width || 320;
    const labelW = Math.min(120, Math.floor(w * 0.34));
    const countW = 36;
    const barMax = Math.max(10, w - labelW - countW);
    const max = Math.max(...rows.map(([, n]) => n));
    const h = rows.length * (BAR_H + BAR_GAP) - BAR_GAP;
    const description = rows.map(([r, n]) => `${reasonLabel(r)}: ${n}`).join(', ');
    return html`<svg class="chart" width=${w} height=${h} viewBox="0 0 ${w} ${h}" role="img" aria-label="Interruptions by reason. ${description}">
      ${rows.map(([reason, n], i) => {
        const y = i * (BAR_H + BAR_GAP);
        const bw = Math.max(3, Math.round((n / max) * barMax));
        return svg`<g>
          <text class="chart-label" x="0" y=${y + BAR_H / 2} dominant-baseline="central">${reasonLabel(reason)}</text>
          <rect class="chart-bar reason-${reason.replace(/[^a-z_]/gi, '')}" x=${labelW} y=${y} width=${bw} height=${BAR_H} rx="4"><title>${reasonLabel(reason)}: ${n}</title></rect>
          <text class="chart-value" x=${labelW + bw + 6} y=${y + BAR_H / 2} dominant-baseline="central">${n}</text>
        </g>`;
      })}
    </svg>`;
  }
}
customElements.define('interruptions-chart', InterruptionsChart);

export interface RateBucket {
  start: number;
  end: number;
  succeeded: number;
  total: number;
}

const BUCKETS = 12;
const MIN_WINDOW_MS = 2 * 60_000;
const MAX_WINDOW_MS = 24 * 3_600_000;

/**
 * Processor charges grouped into 12 equal time buckets ending now. The window stretches from the first charge
 * (at least 2 minutes, at most 24 hours) so a fresh demo and a long-running one both fill the chart.
 */
export function successBuckets(charges: ProcessorCharge[], now = Date.now()): RateBucket[] {
  const times = charges.map((c) => Date.parse(c.createdAt)).filter((t) => Number.isFinite(t) && t > now - MAX_WINDOW_MS);
  const span = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, now - Math.min(now, ...times) + 1));
  const size = Math.ceil(span / BUCKETS);
  const from = now - size * BUCKETS;
  const buckets: RateBucket[] = Array.from({ length: BUCKETS }, (_, i) => ({ start: from + i * size, end: from + (i + 1) * size, succeeded: 0, total: 0 }));
  charges.forEach((c, i) => {
    const t = Date.parse(c.createdAt);
    if (!(t >= from && t <= now)) return;
    const b = buckets[Math.min(BUCKETS - 1, Math.floor((t - from) / size))];
    b.total++;
    if (charges[i].status === 'succeeded') b.succeeded++;
  });
  return buckets;
}

/** Clock time of a bucket edge; with seconds when buckets are shorter than a minute. */
const clock = (t: number, bucketMs: number) =>
  new Date(t).toLocaleTimeString(
    undefined,
    bucketMs < 60_000 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' },
  );

/** Columns: the share of processor charges that succeeded in each time bucket (empty buckets drawn as a dash). */
export class SuccessRateChart extends SizedChart {
  static override properties = { ...SizedChart.properties, buckets: { attribute: false } };
  declare buckets: RateBucket[];

  constructor() {
    super();
    this.buckets = [];
  }

  override render() {
    const buckets = this.buckets ?? [];
    const all = buckets.reduce((a, b) => ({ ok: a.ok + b.succeeded, n: a.n + b.total }), { ok: 0, n: 0 });
    if (all.n === 0) return html`<p class="chart-empty">No charges yet.</p>`;
    const w = this._width || 320;
    const h = 180;
    const left = 40;
    const bottom = 22;
    const plotH = h - bottom - 8;
    const plotW = w - left;
    const slot = plotW / buckets.length;
    const barW = Math.max(4, slot * 0.62);
    const y = (rate: number) => 8 + plotH * (1 - rate);
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const hhmm = (t: number) => clock(t, buckets[0].end - buckets[0].start);
    const description = `${pct(all.ok / all.n)} of ${all.n} charges succeeded between ${hhmm(buckets[0].start)} and ${hhmm(buckets[buckets.length - 1].end)}`;
    const labelAt = [0, Math.floor(buckets.length / 2), buckets.length - 1];
    return html`<p class="chart-headline"><strong>${pct(all.ok / all.n)}</strong> of ${all.n} charge${all.n === 1 ? '' : 's'} succeeded</p>
      <svg class="chart" width=${w} height=${h} viewBox="0 0 ${w} ${h}" role="img" aria-label="Charge success rate over time. ${description}">
        ${[0, 0.5, 1].map(
          (r) => svg`<line class="chart-grid" x1=${left} x2=${w} y1=${y(r)} y2=${y(r)} />
            <text class="chart-axis" x=${left - 6} y=${y(r)} text-anchor="end" dominant-baseline="central">${pct(r)}</text>`,
        )}
        ${buckets.map((b, i) => {
          const x = left + i * slot + (slot - barW) / 2;
          if (b.total === 0) return svg`<rect class="chart-none" x=${x} y=${y(0) - 2} width=${barW} height="2" />`;
          const rate = b.succeeded / b.total;
          const title = `${hhmm(b.start)}–${hhmm(b.end)}: ${b.succeeded} of ${b.total} succeeded (${pct(rate)})`;
          return svg`<rect class="chart-bar ${rate >= 0.5 ? 'good' : 'bad'}" x=${x} y=${y(rate)} width=${barW} height=${Math.max(2, y(0) - y(rate))} rx="3"><title>${title}</title></rect>`;
        })}
        ${labelAt.map((i) => {
          const b = buckets[i];
          const anchor = i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle';
          const x = i === 0 ? left : i === buckets.length - 1 ? w : left + i * slot + slot / 2;
          return svg`<text class="chart-axis" x=${x} y=${h - 4} text-anchor=${anchor}>${i === buckets.length - 1 ? 'now' : hhmm(b.start)}</text>`;
        })}
      </svg>${nothing}`;
  }
}
customElements.define('success-rate-chart', SuccessRateChart);
