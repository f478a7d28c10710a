// components/crumbs.js: the breadcrumbs of the view root's call path. Handed
// its root element (an <ol>). When the path does not fit, crumbs collapse
// from the middle into one "…" button (the first and the last stay), which
// opens a menu of the hidden ones. Names go in via textContent.

import { el, clear } from '../dom.js';

/**
 * Which crumbs to show when only some fit: indices of n crumbs, keeping the
 * first and the last `tail`, dropping from the middle; `drop` is how many
 * to drop. Returns {shown: [indices], hidden: [indices]}. Pure, unit-tested.
 */
export function collapseMiddle(n, drop) {
  const all = [...Array(n).keys()];
  if (drop <= 0 || n <= 2) return { shown: all, hidden: [] };
  const middle = all.slice(1, n - 1);
  const k = Math.min(drop, middle.length);
  // drop the k crumbs around the middle of the middle
  const start = Math.floor((middle.length - k) / 2);
  const hidden = middle.slice(start, start + k);
  const set = new Set(hidden);
  return { shown: all.filter((i) => !set.has(i)), hidden };
}

export class Crumbs {
  /** root: the <ol>; on: {go(path)}; href(path) -> link for a path. */
  constructor(root, on) {
    this.root = root;
    this.on = on;
    this.crumbs = [];
    this.menu = null;
    new ResizeObserver(() => this.fit()).observe(root);
    document.addEventListener('click', (e) => {
      if (this.menu && !this.menu.contains(e.target) && !e.target.closest('.crumb-more')) this.closeMenu();
    });
  }

  /** crumbs: [{label, path, href}], the last is the current view root. */
  set(crumbs) {
    this.crumbs = crumbs;
    this.drop = 0;
    this.render();
    this.fit();
  }

  link(c, current) {
    const a = el('a', null, c.label);
    a.href = c.href;
    a.title = c.label;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      this.closeMenu();
      this.on.go(c.path);
    });
    if (current) a.setAttribute('aria-current', 'location');
    return a;
  }

  render() {
    const ol = this.root;
    clear(ol);
    this.closeMenu();
    const { shown, hidden } = collapseMiddle(this.crumbs.length, this.drop);
    const last = this.crumbs.length - 1;
    let placedMore = false;
    for (const i of shown) {
      if (!placedMore && hidden.length && i > hidden[0]) {
        const li = el('li', 'crumb-more');
        const b = el('button', 'btn small', '…');
        b.type = 'button';
        b.title = `${hidden.length} more: ${hidden.map((k) => this.crumbs[k].label).join(' › ')}`;
        b.setAttribute('aria-label', `Show ${hidden.length} hidden steps of the path`);
        b.addEventListener('click', () => this.openMenu(b, hidden));
        li.append(b);
        ol.append(li);
        placedMore = true;
      }
      const li = el('li');
      if (i === last) li.setAttribute('aria-current', 'location');
      li.append(this.link(this.crumbs[i], i === last));
      ol.append(li);
    }
  }

  /** Drops crumbs from the middle until the rest fit on one line. */
  fit() {
    const ol = this.root;
    if (!ol.clientWidth) return;
    if (this.drop > 0) {
      this.drop = 0;
      this.render();
    }
    while (ol.scrollWidth > ol.clientWidth + 1 && this.drop < this.crumbs.length - 2) {
      this.drop++;
      this.render();
    }
  }

  openMenu(anchor, hidden) {
    this.closeMenu();
    const menu = el('div', 'crumb-menu');
    menu.setAttribute('role', 'menu');
    for (const k of hidden) {
      const a = this.link(this.crumbs[k], false);
      a.setAttribute('role', 'menuitem');
      menu.append(a);
    }
    document.body.append(menu);
    const r = anchor.getBoundingClientRect();
    menu.style.left = `${Math.max(8, Math.min(r.left, innerWidth - menu.offsetWidth - 8))}px`;
    menu.style.top = `${r.bottom + 4}px`;
    this.menu = menu;
  }

  closeMenu() {
    if (this.menu) this.menu.remove();
    this.menu = null;
  }
}
