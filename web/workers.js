import { api, el, every, nav, span } from './common.js';

document.querySelector('#nav').append(nav('workers'));
const tbody = document.querySelector('#workers tbody');

/** Only http(s) links: a card is written by whoever can write to Redis. */
function metricsLink(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:')
      return el('a', { href: parsed.href, text: parsed.href, rel: 'noreferrer', target: '_blank' });
  } catch {
    // not a URL: shown as text below
  }
  return url ?? '–';
}

every(2000, async () => {
  const { workers } = await api('/api/workers');
  const now = Date.now();
  tbody.replaceChildren(
    ...workers.map((w) =>
      el(
        'tr',
        { 'data-worker': w.name },
        el('td', { text: w.name }),
        el('td', { text: w.card?.host ?? w.address ?? '–' }),
        el('td', { className: 'num', text: w.card?.pid ?? '–' }),
        el(
          'td',
          {},
          el('span', {
            className: `badge ${w.connected ? 'state-active' : 'state-failed'}`,
            text: w.connected ? (w.stale ? 'connected, card stale' : 'connected') : 'reconnecting',
          }),
        ),
        el('td', { className: 'num', text: w.card ? span(now - w.card.startedAt) : '–' }),
        el('td', { className: 'num', text: w.card?.concurrency ?? '–' }),
        el(
          'td',
          {},
          ...w.jobs.flatMap((id, i) => [
            i > 0 ? ', ' : '',
            el('a', { href: `/jobs/${encodeURIComponent(id)}`, text: id }),
          ]),
        ),
        el('td', {}, w.card?.metricsUrl ? metricsLink(w.card.metricsUrl) : '–'),
      ),
    ),
  );
  document.querySelector('#none').hidden = workers.length > 0;
  const running = workers.reduce((n, w) => n + w.jobs.length, 0);
  document.querySelector('#summary').textContent =
    `${workers.length} worker${workers.length === 1 ? '' : 's'}, ${running} job${running === 1 ? '' : 's'} running`;
});
