// components/startpage.js: the start page: the server's profiles newest
// first (name, size, upload date local and relative, functions, calls, total
// time), a filter box, and in team mode the upload help. Handed its root
// element (the start page's <main>). Names go in via textContent only, as
// uploaded: nothing is rewritten for display.

import { el, clear } from '../dom.js';
import { formatTime, formatCount, formatBytes, formatDateTime, formatRelative, parseTimestamp } from '../format.js';
import { formatState } from '../urlstate.js';

/** True when a profile's name holds the filter text (case-insensitive). Pure, unit-tested. */
export function matchesFilter(p, filter) {
  const f = (filter || '').trim().toLowerCase();
  return !f || String(p.name || '').toLowerCase().includes(f);
}

export class StartPage {
  /** root: the start page; on: {open(id)}. */
  constructor(root, on) {
    this.root = root;
    this.on = on;
    this.q = (sel) => root.querySelector(sel);
    this.filter = '';
    this.last = null;
    this.q('#profile-list').tBodies[0].addEventListener('click', (e) => {
      const tr = e.target.closest('tr');
      if (!tr || !tr.dataset.id) return;
      if (e.target.closest('input.compare-pick')) return this.picked();
      // let the browser open a new tab or window for modified clicks on the link
      if (e.target.closest('a') && (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0)) return;
      e.preventDefault();
      this.on.open(tr.dataset.id);
    });
    this.picks = new Set();
    this.q('#compare-selected').addEventListener('click', () => {
      const list = (this.last ? this.last.profiles : []).filter((p) => this.picks.has(p.id));
      if (list.length !== 2 || !this.on.compare) return;
      // the older one is BASE (ISO 8601 times: their code-unit order is time order,
      // and a plain comparison needs none of localeCompare's locale data)
      const [a, b] = list.sort((x, y) => (String(x.modified) < String(y.modified) ? -1 : String(x.modified) > String(y.modified) ? 1 : 0));
      this.on.compare(a.id, b.id);
    });
    this.q('#profile-filter').addEventListener('input', (e) => {
      this.filter = e.target.value;
      if (this.last) this.render(this.last);
    });
    // relative times ("3 minutes ago") age
    setInterval(() => {
      if (root.hidden || document.hidden) return;
      const now = Date.now();
      for (const td of root.querySelectorAll('td.when[data-t]')) td.querySelector('.rel').textContent = formatRelative(Number(td.dataset.t), now);
    }, 30000);
  }

  /** The comparison ticks changed. */
  picked() {
    this.picks = new Set([...this.root.querySelectorAll('input.compare-pick:checked')].map((c) => c.closest('tr').dataset.id));
    const b = this.q('#compare-selected');
    b.disabled = this.picks.size !== 2;
    b.textContent = this.picks.size === 2 ? 'Compare the 2 selected' : 'Compare selected';
  }

  /** d: {profiles, uploads, listError, fresh: Set of ids}. */
  render(d) {
    this.last = d;
    const { profiles, uploads, listError, fresh } = d;
    this.q('#start-sub').textContent = uploads
      ? 'Open a profile, or upload new ones: they are kept on this server for everyone who has the link.'
      : 'Choose a profile to open.';
    this.q('#upload-help').hidden = !uploads;
    this.q('#curl-example').textContent = `curl --data-binary @out.prof '${location.origin}/api/profiles?name=out.prof'`;
    this.q('#profile-filter').hidden = profiles.length < 2;
    this.q('#compare-selected').hidden = profiles.length < 2;
    const body = this.q('#profile-list').tBodies[0];
    clear(body);
    const now = Date.now();
    const shown = profiles.filter((p) => matchesFilter(p, this.filter));
    for (const p of shown) {
      const tr = el('tr');
      tr.dataset.id = p.id;
      if (fresh.has(p.id)) tr.classList.add('fresh');
      const a = el('a', null, p.name);
      a.href = formatState({ profile: p.id, path: [], view: 'icicle' });
      a.title = `Open ${p.name}`;
      const name = el('td', 'name');
      const pick = el('input', 'compare-pick');
      pick.type = 'checkbox';
      pick.checked = this.picks.has(p.id);
      pick.setAttribute('aria-label', `Select ${p.name} for a comparison`);
      name.append(pick, a);
      const when = el('td', 'when');
      const t = parseTimestamp(p.modified);
      if (Number.isFinite(t)) {
        const time = el('time', 'date', formatDateTime(t));
        time.dateTime = p.modified;
        time.title = new Date(t).toString();
        when.append(time, el('span', 'rel muted', formatRelative(t, now)));
        when.dataset.t = String(t);
      } else {
        when.append(el('span', 'muted', '–'));
      }
      tr.append(
        name,
        el('td', 'num', Number.isFinite(p.size) ? formatBytes(p.size) : '–'),
        when,
        el('td', 'num', formatCount(p.functions)),
        el('td', 'num', formatCount(p.total_calls)),
        el('td', 'num', formatTime(p.total_time)),
      );
      body.append(tr);
    }
    this.q('#profile-list').hidden = shown.length === 0;
    this.q('#start-nomatch').hidden = !(profiles.length && !shown.length);
    const empty = this.q('#start-empty');
    empty.hidden = profiles.length !== 0;
    if (listError) {
      empty.querySelector('.start-empty-title').textContent = 'Could not load the profiles';
      this.q('#start-empty-text').textContent = listError.message;
    } else {
      empty.querySelector('.start-empty-title').textContent = 'No profiles yet';
      this.q('#start-empty-text').textContent = uploads ? 'Upload a profile, or drop .prof files anywhere on this page.' : 'The server holds no profiles.';
    }
  }
}
