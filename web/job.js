import { api, badge, clock, el, every, nav, post, span } from './common.js';
import { Timeline } from './timeline.js';

const FINISHED = new Set(['completed', 'failed']);
const jobId = decodeURIComponent(location.pathname.replace(/^\/jobs\//, ''));
const base = `/api/jobs/${encodeURIComponent(jobId)}`;

document.querySelector('#nav').append(nav('jobs'));
document.title = `framewise · job ${jobId}`;
document.querySelector('#title').textContent = `Job ${jobId}`;
document.querySelector('#download-jsonl').href = `${base}/labels.jsonl`;
document.querySelector('#download-csv').href = `${base}/labels.csv`;

const video = document.querySelector('#video');
const timeline = new Timeline(document.querySelector('#timeline'), {
  onSeek: (t) => {
    if (!document.querySelector('#player').hidden) {
      video.currentTime = t;
    }
    timeline.setCursor(t);
  },
});

/** What the page has received, for anyone looking (tests too): entry IDs in order. */
const received = { ids: [], labels: 0, gaps: 0, latencies: [] };
window.framewiseJob = { received, timeline };

let detail = null;
let source = null;
let lastId = null;
let finished = false;
let videoSet = false;

function openStream() {
  const query = lastId === null ? '' : `?lastEventId=${encodeURIComponent(lastId)}`;
  source = new EventSource(`${base}/labels${query}`);
  source.onmessage = (event) => {
    lastId = event.lastEventId;
    received.ids.push(event.lastEventId);
    const entry = JSON.parse(event.data);
    if (entry.label === undefined && entry.gap !== undefined) {
      received.gaps++;
      timeline.addGap(entry);
    } else {
      received.labels++;
      if (entry.latencyMs !== undefined) {
        received.latencies.push(entry.latencyMs);
        if (received.latencies.length > 50) received.latencies.shift();
      }
      timeline.addLabel(entry);
    }
    scheduleDetail();
  };
  source.onerror = () => {
    // The server ends the stream once a finished job's last label is sent.
    if (finished) {
      source.close();
      document.body.dataset.streamEnded = 'true';
      return;
    }
    if (source.readyState === EventSource.CLOSED) {
      // Refused (the server answered with an error): try again, from the last entry.
      setTimeout(() => {
        if (!finished) openStream();
      }, 2000);
    }
  };
}

function stat(name, value) {
  return [el('div', {}, el('dt', { text: name }), el('dd', { text: value }))];
}

let detailPending = false;
/** Redraws the figures once per frame while entries stream in. */
function scheduleDetail() {
  if (detail === null || detailPending) return;
  detailPending = true;
  requestAnimationFrame(() => {
    detailPending = false;
    renderDetail();
  });
}

function renderDetail() {
  const p = detail.progress ?? {};
  document
    .querySelector('#state')
    .replaceChildren(
      badge(detail.state),
      detail.live ? el('span', { className: 'tag', text: 'live' }) : '',
    );
  document.querySelector('#url').textContent = detail.url;
  const reason = document.querySelector('#reason');
  reason.hidden = !detail.failedReason;
  reason.textContent = detail.failedReason ?? '';
  const options = Object.entries(detail.options ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const now = Date.now();
  document
    .querySelector('#stats')
    .replaceChildren(
      ...stat('Labeled to', p.t === undefined ? '–' : clock(p.t)),
      ...stat('Frames', p.frames ?? '–'),
      ...stat('Labels', received.labels),
      ...stat('fps', p.fps ?? '–'),
      ...stat('Dropped', p.dropped ?? '–'),
      ...stat('Gaps', p.gaps ?? received.gaps),
      ...stat('Attempts', detail.attempts),
      ...stat('Worker', detail.worker ?? '–'),
      ...stat('Added', `${span(now - detail.addedAt)} ago`),
      ...stat('Options', options || 'defaults'),
      ...(detail.parts
        ? stat(
            'Parts',
            `${detail.parts.filter((part) => part.state === 'completed').length} of ${detail.parts.length} done`,
          )
        : []),
    );
  const actions = [];
  if (!FINISHED.has(detail.state)) actions.push(button('Cancel', `${base}/cancel`));
  if (detail.state === 'failed') actions.push(button('Retry', `${base}/retry`));
  document.querySelector('#actions').replaceChildren(...actions);
  if (detail.video && !videoSet) {
    videoSet = true;
    video.src = `${base}/video`;
    document.querySelector('#player').hidden = false;
  }
  const info = document.querySelector('#live-info');
  if (detail.live && received.latencies.length > 0) {
    const sorted = [...received.latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const last = received.latencies[received.latencies.length - 1];
    info.textContent = `latency ${Math.round(last)} ms (median of the last ${sorted.length}: ${Math.round(median)} ms)`;
  } else {
    info.textContent = `${received.labels} labels${received.gaps ? `, ${received.gaps} outages` : ''}`;
  }
}

function button(label, path) {
  return el('button', {
    type: 'button',
    text: label,
    onclick: async (event) => {
      event.target.disabled = true;
      try {
        await post(path);
        if (label === 'Retry') location.reload();
      } catch (error) {
        alert(error.message);
      }
    },
  });
}

function renderSummary(summary) {
  const section = document.querySelector('#summary');
  section.hidden = false;
  const counts = Object.entries(summary.counts).sort((a, b) => b[1] - a[1]);
  const seconds = new Map();
  for (const s of summary.segments)
    seconds.set(s.label, (seconds.get(s.label) ?? 0) + (s.end - s.start));
  document
    .querySelector('#counts tbody')
    .replaceChildren(
      ...counts.map(([label, n]) =>
        el(
          'tr',
          {},
          el('td', { text: label }),
          el('td', { className: 'num', text: n }),
          el('td', { className: 'num', text: clock(seconds.get(label) ?? 0) }),
        ),
      ),
    );
  document.querySelector('#segments tbody').replaceChildren(
    ...summary.segments.map((s) =>
      el(
        'tr',
        {
          className: 'seek',
          title: 'play from here',
          onclick: () => timeline.onSeek(s.start),
          'data-start': s.start,
        },
        el('td', { text: s.label }),
        el('td', { className: 'num', text: clock(s.start) }),
        el('td', { className: 'num', text: clock(s.end) }),
        el('td', { className: 'num', text: `${(s.end - s.start).toFixed(2)} s` }),
      ),
    ),
  );
}

video.addEventListener('timeupdate', () => timeline.setCursor(video.currentTime));
video.addEventListener('seeked', () => timeline.setCursor(video.currentTime));
if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
  const onFrame = (_now, meta) => {
    timeline.setCursor(meta.mediaTime);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

const stop = every(1000, async () => {
  try {
    detail = await api(base);
  } catch (error) {
    document.querySelector('#reason').hidden = false;
    document.querySelector('#reason').textContent = error.message;
    return;
  }
  if (source === null) {
    timeline.setLive(detail.live);
    openStream();
  }
  renderDetail();
  if (FINISHED.has(detail.state)) {
    finished = true;
    document.body.dataset.finished = detail.state;
    if (detail.summary) renderSummary(detail.summary);
    stop();
  }
});
