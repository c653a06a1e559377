import { api, badge, clock, el, every, nav, post, span } from './common.js';

const FILTERS = ['all', 'active', 'waiting', 'delayed', 'completed', 'failed'];
const params = new URLSearchParams(location.search);
let filter = FILTERS.includes(params.get('state')) ? params.get('state') : 'all';

document.querySelector('#nav').append(nav('jobs'));

const form = document.querySelector('#enqueue');
const result = document.querySelector('#enqueue-result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const job = { url: String(data.get('url')).trim() };
  for (const key of ['window', 'stride'])
    if (data.get(key)) job[key] = Number.parseInt(data.get(key), 10);
  if (data.get('fps')) job.fps = Number(data.get('fps'));
  if (data.get('mode')) job.mode = data.get('mode');
  if (data.get('live')) job.live = true;
  result.className = '';
  result.textContent = 'Adding…';
  try {
    const { id } = await post('/api/jobs', job);
    result.replaceChildren(
      'Added ',
      el('a', { href: `/jobs/${encodeURIComponent(id)}`, text: `job ${id}` }),
      '.',
    );
    form.reset();
    await refresh();
  } catch (error) {
    result.className = 'error';
    result.textContent = error.message;
  }
});

const filters = document.querySelector('#filters');
const tbody = document.querySelector('#jobs tbody');
const empty = document.querySelector('#jobs-empty');

function renderFilters(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  filters.replaceChildren(
    ...FILTERS.map((state) =>
      el(
        'button',
        {
          type: 'button',
          className: state === filter ? 'filter on' : 'filter',
          'data-state': state,
          'aria-pressed': String(state === filter),
          onclick: () => {
            filter = state;
            history.replaceState(null, '', state === 'all' ? '/' : `/?state=${state}`);
            void refresh();
          },
        },
        state,
        ' ',
        el('span', { className: 'count', text: state === 'all' ? total : (counts[state] ?? 0) }),
      ),
    ),
  );
}

function action(label, path) {
  return el('button', {
    type: 'button',
    className: 'small',
    text: label,
    onclick: async (event) => {
      event.target.disabled = true;
      try {
        await post(path);
      } catch (error) {
        alert(error.message);
      }
      await refresh();
    },
  });
}

function row(job, now) {
  const p = job.progress ?? {};
  const id = encodeURIComponent(job.id);
  const actions = [];
  if (['active', 'waiting', 'delayed', 'prioritized'].includes(job.state))
    actions.push(action('Cancel', `/api/jobs/${id}/cancel`));
  if (job.state === 'failed') actions.push(action('Retry', `/api/jobs/${id}/retry`));
  return el(
    'tr',
    { 'data-job': job.id, 'data-state': job.state },
    el('td', {}, el('a', { href: `/jobs/${id}`, text: job.id })),
    el(
      'td',
      {},
      badge(job.state),
      job.live ? el('span', { className: 'tag', text: 'live' }) : null,
    ),
    el(
      'td',
      { className: 'url', title: job.failedReason ?? job.url },
      job.url,
      job.failedReason ? el('div', { className: 'reason', text: job.failedReason }) : null,
    ),
    el('td', { className: 'num', text: p.t === undefined ? '–' : clock(p.t, false) }),
    el('td', { className: 'num', text: p.frames ?? '–' }),
    el('td', { className: 'num', text: p.fps ?? '–' }),
    el('td', { className: 'num', text: p.dropped ?? '–' }),
    el('td', { className: 'num', text: p.gaps ?? '–' }),
    el('td', { className: 'num', text: job.attempts }),
    el('td', { className: 'worker', text: job.worker ?? '' }),
    el('td', { className: 'num', text: span(now - job.addedAt) }),
    el('td', {}, actions),
  );
}

async function refresh() {
  const state = filter === 'all' ? '' : `&state=${filter}`;
  const { counts, jobs } = await api(`/api/jobs?limit=200${state}`);
  renderFilters(counts);
  const now = Date.now();
  tbody.replaceChildren(...jobs.map((job) => row(job, now)));
  empty.hidden = jobs.length > 0;
}

every(1000, refresh);
