import { classColor, clock, el, svg } from './common.js';

const LANE = 24;
const AXIS = 22;
const SCORE = 40;
const GUTTER = 130;
const MIN_SPAN = 0.05;

/** Rounds to milliseconds, as the job summary does. */
const ms = (t) => Math.round(t * 1000) / 1000;

/**
 * A label timeline: one lane per class, a segment per run of equal labels (its opacity the
 * run's mean score), the top score as a line below, outages as hatched bands. Zoom with the
 * wheel or the buttons, pan by dragging, hover for time, label and score; a click on a segment
 * calls `onSeek` with its start, a click elsewhere with the time under the pointer.
 *
 * Segments follow the job summary's rule: a run starts at its first label's `t` and ends at
 * the next run's start; the last run ends one label period after its last label.
 */
export class Timeline {
  constructor(container, { onSeek = () => {}, liveSpan = 120 } = {}) {
    this.onSeek = onSeek;
    this.liveSpan = liveSpan;
    this.ts = [];
    this.scores = [];
    this.keys = [];
    this.segmentList = [];
    this.gaps = [];
    this.lanes = new Map();
    this.view = null;
    this.follow = false;
    this.cursor = null;
    this.pending = false;

    this.svg = svg('svg', { class: 'timeline', role: 'img', 'aria-label': 'label timeline' });
    this.tooltip = el('div', { className: 'tooltip', hidden: true });
    const zoom = (factor) => () => this.zoomAround(factor, null);
    this.followButton = el('button', {
      type: 'button',
      text: 'Follow live',
      onclick: () => this.setFollow(true),
      hidden: true,
    });
    this.toolbar = el(
      'div',
      { className: 'timeline-tools' },
      el('button', { type: 'button', text: '−', title: 'zoom out', onclick: zoom(2) }),
      el('button', { type: 'button', text: '+', title: 'zoom in', onclick: zoom(0.5) }),
      el('button', { type: 'button', text: 'Fit', onclick: () => this.fit() }),
      this.followButton,
      el('span', { className: 'muted hint', text: 'wheel: zoom · drag: pan · click: seek' }),
    );
    container.append(
      this.toolbar,
      el('div', { className: 'timeline-box' }, this.svg, this.tooltip),
    );
    this.attach();
    new ResizeObserver(() => this.schedule()).observe(this.svg);
  }

  /** Adds a label entry as the SSE stream sends it. */
  addLabel(entry) {
    const key = entry.name ?? String(entry.label);
    const t = entry.t;
    if (!this.lanes.has(key)) {
      this.lanes.set(key, { index: entry.label, key });
      this.sortLanes();
    }
    const last = this.segmentList[this.segmentList.length - 1];
    if (last !== undefined && last.key === key) {
      last.windows++;
      last.scoreSum += entry.score;
      last.lastT = t;
    } else {
      if (last !== undefined) last.end = t;
      this.segmentList.push({
        key,
        index: entry.label,
        start: t,
        end: t,
        lastT: t,
        windows: 1,
        scoreSum: entry.score,
      });
    }
    this.ts.push(t);
    this.scores.push(entry.score);
    this.keys.push(key);
    this.updateLastEnd();
    this.schedule();
  }

  /** Adds an outage: no frames from `t` for `gap` seconds. */
  addGap(entry) {
    this.gaps.push({ start: entry.t, end: entry.t + entry.gap, gap: entry.gap });
    this.schedule();
  }

  /** The segments so far, rounded to milliseconds like the job summary's. */
  segments() {
    return this.segmentList.map((s) => ({
      label: s.key,
      start: ms(s.start),
      end: ms(s.end),
      windows: s.windows,
      meanScore: s.scoreSum / s.windows,
    }));
  }

  /** Where the video is, or null. */
  setCursor(t) {
    this.cursor = t;
    if (this.follow && t !== null) return this.schedule();
    this.schedule();
  }

  /** Live jobs: keep the last `liveSpan` seconds in view as labels come. */
  setFollow(on) {
    this.follow = on;
    this.followButton.hidden = on || !this.live;
    this.schedule();
  }

  /** Marks the timeline as a live job's (the follow button shows when not following). */
  setLive(live) {
    this.live = live;
    this.setFollow(live);
  }

  fit() {
    this.view = null;
    this.setFollow(false);
  }

  extent() {
    const end =
      this.segmentList.length === 0 ? 0 : this.segmentList[this.segmentList.length - 1].end;
    const gapEnd = this.gaps.reduce((a, g) => Math.max(a, g.end), 0);
    return [0, Math.max(end, gapEnd, this.cursor ?? 0, 1)];
  }

  currentView() {
    const [lo, hi] = this.extent();
    if (this.follow) return [Math.max(lo, hi - this.liveSpan), hi];
    return this.view ?? [lo, hi];
  }

  updateLastEnd() {
    const n = this.ts.length;
    const last = this.segmentList[this.segmentList.length - 1];
    last.end = n >= 2 ? last.lastT + (this.ts[n - 1] - this.ts[n - 2]) : last.lastT;
  }

  sortLanes() {
    this.laneOrder = [...this.lanes.values()].sort(
      (a, b) => a.index - b.index || a.key.localeCompare(b.key),
    );
    this.laneOrder.forEach((lane, i) => (lane.row = i));
  }

  zoomAround(factor, t) {
    const [v0, v1] = this.currentView();
    const [lo, hi] = this.extent();
    const center = t ?? (v0 + v1) / 2;
    let width = Math.min(Math.max((v1 - v0) * factor, MIN_SPAN), hi - lo);
    let start = center - (center - v0) * (width / (v1 - v0));
    start = Math.min(Math.max(start, lo), hi - width);
    this.view = [start, start + width];
    this.setFollow(false);
  }

  timeAt(clientX) {
    const rect = this.svg.getBoundingClientRect();
    const [v0, v1] = this.currentView();
    const x = clientX - rect.left - GUTTER;
    return v0 + (x / Math.max(rect.width - GUTTER, 1)) * (v1 - v0);
  }

  attach() {
    this.svg.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        this.zoomAround(event.deltaY > 0 ? 1.25 : 0.8, this.timeAt(event.clientX));
      },
      { passive: false },
    );
    let drag = null;
    this.svg.addEventListener('pointerdown', (event) => {
      // Pointer capture makes the SVG the target of the moves and the release: note the segment now.
      const segment = event.target.closest?.('rect.segment');
      drag = {
        x: event.clientX,
        view: this.currentView(),
        moved: false,
        seek: segment ? Number(segment.dataset.seek) : null,
      };
      this.svg.setPointerCapture(event.pointerId);
    });
    this.svg.addEventListener('pointermove', (event) => {
      if (drag !== null) {
        const dx = event.clientX - drag.x;
        if (Math.abs(dx) > 3) drag.moved = true;
        if (drag.moved) {
          const width = this.svg.getBoundingClientRect().width - GUTTER;
          const [v0, v1] = drag.view;
          const [lo, hi] = this.extent();
          const shift = (-dx / Math.max(width, 1)) * (v1 - v0);
          const start = Math.min(Math.max(v0 + shift, lo), Math.max(lo, hi - (v1 - v0)));
          this.view = [start, start + (v1 - v0)];
          if (this.follow) this.setFollow(false);
          this.schedule();
        }
      }
      this.hover(event);
    });
    this.svg.addEventListener('pointerup', (event) => {
      const click = drag !== null && !drag.moved ? drag : null;
      drag = null;
      if (click === null) return;
      this.onSeek(click.seek ?? Math.max(0, this.timeAt(event.clientX)));
    });
    this.svg.addEventListener('pointerleave', () => (this.tooltip.hidden = true));
  }

  hover(event) {
    const t = this.timeAt(event.clientX);
    const rect = this.svg.getBoundingClientRect();
    if (event.clientX - rect.left < GUTTER || this.ts.length === 0) {
      this.tooltip.hidden = true;
      return;
    }
    const i = this.labelAt(t);
    const lines = [`t ${clock(t)}`];
    if (i >= 0)
      lines.push(
        `${this.keys[i]} · score ${this.scores[i].toFixed(3)}`,
        `label at ${clock(this.ts[i])}`,
      );
    const gap = this.gaps.find((g) => t >= g.start && t < g.end);
    if (gap) lines.push(`outage of ${gap.gap.toFixed(1)} s`);
    this.tooltip.replaceChildren(...lines.map((line) => el('div', { text: line })));
    this.tooltip.hidden = false;
    const x = event.clientX - rect.left + 12;
    this.tooltip.style.left = `${Math.min(x, rect.width - 180)}px`;
    this.tooltip.style.top = `${event.clientY - rect.top + 12}px`;
  }

  /** Index of the last label at or before `t`, or -1. */
  labelAt(t) {
    let lo = 0;
    let hi = this.ts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ts[mid] <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render() {
    const width = Math.max(this.svg.getBoundingClientRect().width, GUTTER + 100);
    const lanes = this.laneOrder ?? [];
    const height = AXIS + Math.max(lanes.length, 1) * LANE + SCORE + 6;
    this.svg.setAttribute('height', height);
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const [v0, v1] = this.currentView();
    const plot = width - GUTTER;
    const x = (t) => GUTTER + ((t - v0) / (v1 - v0)) * plot;
    const nodes = [];

    const defs = svg('defs');
    const pattern = svg('pattern', {
      id: 'hatch',
      width: 6,
      height: 6,
      patternUnits: 'userSpaceOnUse',
      patternTransform: 'rotate(45)',
    });
    pattern.append(
      svg('rect', { width: 6, height: 6, fill: '#fff0f0' }),
      svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#d9534f', 'stroke-width': 2 }),
    );
    defs.append(pattern);
    const clip = svg('clipPath', { id: 'plot' });
    clip.append(svg('rect', { x: GUTTER, y: 0, width: plot, height }));
    defs.append(clip);
    nodes.push(defs);

    // Time axis.
    const step = niceStep((v1 - v0) / Math.max(plot / 90, 1));
    for (let t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      const tx = x(t);
      nodes.push(svg('line', { x1: tx, x2: tx, y1: AXIS - 4, y2: height - 2, class: 'grid' }));
      const label = svg('text', { x: tx + 3, y: AXIS - 8, class: 'tick' });
      label.textContent = clock(t, step < 1);
      nodes.push(label);
    }

    // Lane names.
    for (const lane of lanes) {
      const y = AXIS + lane.row * LANE;
      const name = svg('text', { x: 6, y: y + LANE / 2 + 4, class: 'lane-name' });
      name.textContent = lane.key.length > 18 ? `${lane.key.slice(0, 17)}…` : lane.key;
      const title = svg('title');
      title.textContent = lane.key;
      name.append(title);
      const swatch = svg('rect', {
        x: GUTTER - 12,
        y: y + 7,
        width: 8,
        height: 10,
        fill: classColor(lane.index),
      });
      nodes.push(
        svg('line', { x1: GUTTER, x2: width, y1: y + LANE, y2: y + LANE, class: 'lane-line' }),
        name,
        swatch,
      );
    }

    const plotGroup = svg('g', { 'clip-path': 'url(#plot)' });
    // Segments in view.
    for (const s of this.segmentList) {
      if (s.end < v0 || s.start > v1) continue;
      const lane = this.lanes.get(s.key);
      const x0 = x(s.start);
      const w = Math.max(x(s.end) - x0, 1);
      const mean = s.scoreSum / s.windows;
      const rect = svg('rect', {
        class: 'segment',
        x: x0,
        y: AXIS + lane.row * LANE + 3,
        width: w,
        height: LANE - 6,
        rx: 2,
        fill: classColor(lane.index),
        'fill-opacity': (0.3 + 0.7 * mean).toFixed(3),
        'data-label': s.key,
        'data-start': ms(s.start),
        'data-end': ms(s.end),
        'data-seek': s.start,
      });
      const title = svg('title');
      title.textContent = `${s.key}: ${clock(s.start)} – ${clock(s.end)}, ${s.windows} labels, mean score ${mean.toFixed(3)}`;
      rect.append(title);
      plotGroup.append(rect);
    }
    // Outages.
    for (const g of this.gaps) {
      if (g.end < v0 || g.start > v1) continue;
      const gx = x(g.start);
      const band = svg('rect', {
        class: 'gap',
        x: gx,
        y: AXIS,
        width: Math.max(x(g.end) - gx, 2),
        height: height - AXIS - 2,
        fill: 'url(#hatch)',
        'data-start': ms(g.start),
        'data-gap': g.gap,
      });
      const title = svg('title');
      title.textContent = `outage of ${g.gap.toFixed(1)} s at ${clock(g.start)}`;
      band.append(title);
      plotGroup.append(band);
    }
    // Top score, as a line.
    const top = AXIS + lanes.length * LANE + 4;
    const points = [];
    const first = Math.max(this.labelAt(v0), 0);
    const stride = Math.max(1, Math.floor((this.labelAt(v1) - first) / (plot * 2)));
    for (let i = first; i < this.ts.length && this.ts[i] <= v1 + (v1 - v0) * 0.01; i += stride) {
      points.push(
        `${x(this.ts[i]).toFixed(1)},${(top + (1 - this.scores[i]) * (SCORE - 4)).toFixed(1)}`,
      );
    }
    if (points.length > 1)
      plotGroup.append(svg('polyline', { class: 'score', points: points.join(' ') }));
    // Video cursor.
    if (this.cursor !== null && this.cursor >= v0 && this.cursor <= v1) {
      plotGroup.append(
        svg('line', {
          class: 'cursor',
          x1: x(this.cursor),
          x2: x(this.cursor),
          y1: AXIS - 4,
          y2: height,
        }),
      );
    }
    nodes.push(plotGroup);
    const scoreName = svg('text', { x: 6, y: top + SCORE / 2, class: 'lane-name muted' });
    scoreName.textContent = 'top score';
    nodes.push(scoreName);
    this.svg.replaceChildren(...nodes);
  }
}

/** A step of 1, 2 or 5 × 10^k seconds (or minutes, hours) near `raw`. */
function niceStep(raw) {
  const steps = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
    14400, 43200, 86400,
  ];
  return steps.find((s) => s >= raw) ?? 86400 * Math.ceil(raw / 86400);
}
