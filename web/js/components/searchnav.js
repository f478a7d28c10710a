// components/searchnav.js: what a search found beyond the chart: how many
// matching boxes the chart shows, how many call sites of matching functions
// lie outside the view root's subtree (GET .../search with within = the
// view root's path), and previous/next buttons that make each match's call
// site, largest first, the view root. Handed its root element (the
// #search-nav span, holding #match-count and the two buttons); the chart
// itself highlights the matches it draws.

import { formatCount } from '../format.js';

export class SearchNav {
  /** root: the span; store: the page's Store; on: {go(path), error(err)}. */
  constructor(root, store, on) {
    this.root = root;
    this.store = store;
    this.on = on;
    this.count = root.querySelector('#match-count');
    this.prev = root.querySelector('.search-prev');
    this.next = root.querySelector('.search-next');
    this.q = '';
    this.index = -1; // the site jumped to last
    this.result = null; // {q, within, sites, total, within count}
    this.token = 0;
    this.timer = 0;
    this.prev.addEventListener('click', () => this.jump(-1));
    this.next.addEventListener('click', () => this.jump(1));
  }

  /** The state's search and the chart's count of matching boxes changed. */
  update(s, here) {
    if (s.q !== this.q) {
      this.q = s.q;
      this.index = -1;
      this.result = null;
    }
    if (!s.q || !s.profile) {
      this.count.textContent = '';
      this.prev.hidden = this.next.hidden = true;
      return;
    }
    this.here = here;
    this.show();
    clearTimeout(this.timer);
    const token = ++this.token;
    const profile = s.profile;
    const path = s.path.slice();
    const q = s.q;
    this.timer = setTimeout(async () => {
      try {
        const r = await this.store.searchSites(profile, q, path);
        if (token !== this.token) return;
        this.result = { ...r, q, path };
        this.show();
      } catch (e) {
        if (token !== this.token) return;
        this.result = null;
        this.on.error(e);
      }
    }, 150);
  }

  show() {
    const here = this.here;
    let text = `${formatCount(here)} matching ${here === 1 ? 'box' : 'boxes'}`;
    const r = this.result;
    if (r && r.q === this.q) {
      const outside = r.total - r.within;
      text += ` · ${formatCount(outside)} outside this view`;
      if (!r.complete) text += ' (among the larger call sites)';
      if (this.index >= 0 && this.index < r.sites.length) text += ` · match ${this.index + 1} of ${r.sites.length}`;
      this.prev.hidden = this.next.hidden = r.sites.length === 0;
      this.prev.disabled = this.next.disabled = r.sites.length === 0;
    } else {
      this.prev.hidden = this.next.hidden = true;
    }
    this.count.textContent = text;
    this.count.title = 'Matching boxes drawn here; call sites of matching functions elsewhere in the call tree. Previous/next (Shift+Enter/Enter in the search box) jump to them, largest first.';
  }

  /** Makes the next (dir 1) or previous (-1) match's call site the view root. Returns false when there is none. */
  jump(dir) {
    const r = this.result;
    if (!r || r.q !== this.q || !r.sites.length) return false;
    const n = r.sites.length;
    this.index = this.index < 0 ? (dir > 0 ? 0 : n - 1) : (this.index + dir + n) % n;
    this.on.go(r.sites[this.index].path.slice());
    return true;
  }
}
