// Shared helpers of the dashboard's pages. Every text that comes from a job, a model or a worker
// goes into the page as a text node, never as HTML.

/** Fetches JSON from the dashboard's API; rejects with the server's error message. */
export async function api(path, init = {}) {
  const response = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: { Accept: 'application/json', ...(init.headers ?? {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

/** POSTs a JSON body. */
export function post(path, body = {}) {
  return api(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * An element: `attrs` sets properties (`text`, `className`, `onclick`, …) and `data-*` or
 * other attributes; children are elements or strings (added as text).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'className') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** An SVG element with attributes. */
export function svg(tag, attrs = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  return node;
}

/** Seconds as `m:ss.mmm`, or `h:mm:ss` past an hour. */
export function clock(seconds, withMillis = true) {
  if (!Number.isFinite(seconds)) return '–';
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const s =
    withMillis && h === 0
      ? rest.toFixed(3).padStart(6, '0')
      : String(Math.floor(rest)).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${s}` : `${sign}${m}:${s}`;
}

/** A time span in words: `4 s`, `3 min`, `2 h 5 min`, `3 d`. */
export function span(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d`;
}

/** Distinct colours for classes, by class index. */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export function classColor(index) {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** The navigation bar, with `active` marked. */
export function nav(active) {
  const link = (href, text, key) =>
    el('a', { href, text, className: key === active ? 'active' : '' });
  return el(
    'nav',
    {},
    el('a', { href: '/', className: 'brand', text: 'framewise' }),
    link('/', 'Jobs', 'jobs'),
    link('/workers', 'Workers', 'workers'),
    link('/queues', 'Queue admin', 'queues'),
  );
}

/** Calls `fn` now and then every `ms`, slower while the page is hidden; returns a stop function. */
export function every(ms, fn) {
  let timer;
  let stopped = false;
  const tick = async () => {
    try {
      await fn();
    } catch (error) {
      console.warn(error);
    }
    if (!stopped) timer = setTimeout(tick, document.hidden ? ms * 5 : ms);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** A state as a badge. */
export function badge(state) {
  return el('span', { className: `badge state-${state.replace(/[^a-z-]/g, '')}`, text: state });
}
