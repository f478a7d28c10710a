// components/controls.js: the page's controls as the state has them, and
// what the user changes in them handed to the store: the header (profile
// picker or name, the profile line, view buttons, depth, cutoff, the
// comparison's "compare with", side and threshold) and the switches above the
// chart and the table (colour mode, folding, this subtree only). The search
// box is app.js's (it also drives the chart and the table as you type).
// Profile names go in through textContent and Option labels only.

import { $, el, clear } from '../dom.js';
import { formatTime, formatPercent, formatCount } from '../format.js';
import { MAX_DEPTH } from '../urlstate.js';

export class Controls {
  /**
   * views: the view descriptors (views/index.js), one button each.
   * on.otherPath(): the same place in the other run's tree, for the
   * comparison's side switch (null when unknown).
   */
  constructor(store, views, on) {
    this.store = store;
    this.on = on;
    for (const v of views) {
      const b = el('button', null, v.label);
      b.type = 'button';
      b.dataset.view = v.name;
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', () => store.set({ view: v.name }));
      $('view-buttons').append(b);
    }
    this.listen();
  }

  listen() {
    const store = this.store;
    $('profile-picker').addEventListener('change', (e) =>
      store.set({ profile: e.target.value, path: [], fn: null, offset: 0, base: e.target.value === store.state.base ? null : store.state.base, side: 'new' }),
    );
    $('compare-with').addEventListener('change', (e) => {
      const base = e.target.value || null;
      store.set({ base, side: 'new', coffset: 0, view: base ? 'compare' : store.state.view === 'compare' ? 'icicle' : store.state.view });
    });
    $('compare-side').addEventListener('click', () => {
      const s = store.state;
      // the same place in the other run's tree, when it has one
      const other = this.on.otherPath();
      const path = s.path.length ? (Array.isArray(other) ? other : []) : [];
      store.set({ profile: s.base, base: s.profile, side: s.side === 'base' ? 'new' : 'base', path, fn: null });
    });
    $('compare-threshold').addEventListener('change', (e) => {
      const v = Number(e.target.value);
      if (Number.isFinite(v) && v >= 0 && v <= 1000) store.set({ threshold: v }, { push: false });
      else e.target.value = String(store.state.threshold);
    });
    $('depth').addEventListener('change', (e) => {
      const v = e.target.value.trim();
      if (v === '') return store.set({ depth: null });
      const d = Math.round(Number(v));
      if (Number.isFinite(d) && d >= 1 && d <= MAX_DEPTH) store.set({ depth: d });
      else e.target.value = store.state.depth === null ? '' : String(store.state.depth);
    });
    $('cutoff').addEventListener('change', (e) => store.set({ cutoff: Number(e.target.value) }));
    $('colour-mode').addEventListener('change', (e) => store.set({ colour: e.target.value }, { push: false }));
    $('fold').addEventListener('change', (e) => store.set({ fold: e.target.checked }));
    $('sub-toggle').addEventListener('change', (e) => store.set({ sub: e.target.checked, offset: 0 }, { push: false }));
  }

  /** Shows state s of a profile view. */
  update(s) {
    for (const b of $('view-buttons').children) {
      b.setAttribute('aria-pressed', String(b.dataset.view === s.view));
      if (b.dataset.view === 'compare') b.hidden = !s.base; // a comparison needs a second profile
    }
    this.compareControls(s);
    $('depth').value = s.depth === null ? '' : String(s.depth);
    this.selectCutoff(s.cutoff);
    $('colour-mode').value = s.colour;
    $('fold').checked = s.fold;
    $('sub-toggle').checked = s.sub;
    this.profileHeader();
  }

  /** The header of the start page: no profile, the number of profiles (none when the list failed). */
  startPage(count, failed) {
    $('profile-picker').hidden = true;
    $('profile-name').textContent = '';
    $('profile-meta').textContent = failed ? '' : count === 1 ? '1 profile' : `${formatCount(count)} profiles`;
    $('profile-meta').title = $('profile-meta').textContent;
    document.title = 'profviz';
  }

  selectCutoff(c) {
    const sel = $('cutoff');
    if (![...sel.options].some((o) => Number(o.value) === c)) sel.append(new Option(formatPercent(c), String(c)));
    sel.value = [...sel.options].find((o) => Number(o.value) === c).value;
  }

  /** The "compare with" picker, the side toggle and the threshold, for a state. */
  compareControls(s) {
    const store = this.store;
    const sel = $('compare-with');
    const others = store.profiles.filter((p) => p.id !== s.profile);
    $('compare-with-label').hidden = others.length === 0 && !s.base;
    const opts = [['', s.base ? 'nothing (close the comparison)' : '…']].concat(others.map((p) => [p.id, p.name]));
    if ([...sel.options].map((o) => o.value).join() !== opts.map((o) => o[0]).join()) {
      clear(sel);
      for (const [v, label] of opts) sel.append(new Option(label, v));
    }
    sel.value = s.base && others.some((p) => p.id === s.base) ? s.base : '';
    $('compare-controls').hidden = !s.base;
    if (!s.base) return;
    const name = (id) => (store.profile(id) || { name: id }).name;
    $('compare-side').textContent = s.side === 'base' ? `Showing BASE (${name(s.profile)}) · show NEW` : `Showing NEW (${name(s.profile)}) · show BASE`;
    if (document.activeElement !== $('compare-threshold')) $('compare-threshold').value = String(s.threshold);
  }

  /** The picker (several profiles) or the name, the profile line and the page title. */
  profileHeader() {
    const store = this.store;
    const s = store.state;
    const profiles = store.profiles;
    const p = store.profile(s.profile);
    const picker = $('profile-picker');
    if (profiles.length > 1) {
      if ([...picker.options].map((o) => o.value).join() !== profiles.map((x) => x.id).join()) {
        clear(picker);
        for (const x of profiles) picker.append(new Option(x.name, x.id));
      }
      picker.value = s.profile;
      picker.hidden = false;
      $('profile-name').textContent = '';
    } else {
      picker.hidden = true;
      $('profile-name').textContent = p ? p.name : '';
      $('profile-name').title = p ? p.name : '';
    }
    // short enough for a 1280 px header next to a picker; the calls are in the title
    $('profile-meta').textContent = p ? `${formatCount(p.functions)} functions · ${formatTime(p.total_time)}` : '';
    $('profile-meta').title = p ? `${p.name}: ${formatCount(p.functions)} functions · ${formatCount(p.total_calls)} calls · ${formatTime(p.total_time)}` : '';
    if (p && s.base) {
      const o = store.profile(s.base);
      const [b, n] = s.side === 'base' ? [p, o] : [o, p];
      $('profile-meta').textContent = `comparing BASE ${b ? b.name : s.base} (${b ? formatTime(b.total_time) : '?'}) → NEW ${n ? n.name : '?'} (${n ? formatTime(n.total_time) : '?'})`;
      $('profile-meta').title = $('profile-meta').textContent;
    }
    document.title = p ? `${p.name} · profviz` : 'profviz';
  }
}
