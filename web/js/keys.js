// keys.js: the page's keyboard: / focuses the search box, Escape leaves it
// (or resets the zoom, or goes up a level), and on the chart the arrows move
// the focus between boxes (with its tooltip, scrolled into sight), Enter
// drills into the focused box and F opens its function.

import { $ } from './dom.js';
import { neighbour } from './layout.js';

/**
 * ctx: {chart, tooltip, items() (the chart's items), showFocus(),
 * showTip(index, x, y), goUp(), drill(index), openFunction(fid),
 * boxFunction(index) (its function id, or null)}.
 */
export function installKeys(ctx) {
  const { chart, tooltip } = ctx;

  function moveFocus(key) {
    const next = neighbour(ctx.items(), chart.focus, key, (k) => chart.visible(k));
    chart.setFocus(next);
    ctx.showFocus();
    const r = chart.clientRect(next);
    if (r) {
      const sc = $('graph-scroll');
      const b = sc.getBoundingClientRect();
      if (r.y < b.top) sc.scrollTop -= b.top - r.y;
      else if (r.y + r.h > b.bottom) sc.scrollTop += r.y + r.h - b.bottom;
      const r2 = chart.clientRect(next);
      ctx.showTip(next, r2.x + Math.min(r2.w / 2, 40), r2.y + r2.h);
    }
  }

  document.addEventListener('keydown', (e) => {
    const target = e.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      $('search').focus();
      $('search').select();
      return;
    }
    if (e.key === 'Escape') {
      if (target === $('search')) {
        $('search').blur();
        $('graph').focus();
        return;
      }
      tooltip.hide();
      if (!typing && !chart.resetZoom()) ctx.goUp();
      return;
    }
    if ($('profile-view').hidden) return;
    const onGraph = target === $('graph') || target === document.body;
    if (!onGraph || e.ctrlKey || e.metaKey || e.altKey) return;
    const dirs = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };
    if (dirs[e.key]) {
      e.preventDefault();
      if (document.activeElement !== $('graph')) $('graph').focus();
      moveFocus(dirs[e.key]);
    } else if (e.key === 'Enter' && chart.focus >= 0) {
      e.preventDefault();
      if (chart.focus > 0) ctx.drill(chart.focus);
    } else if ((e.key === 'f' || e.key === 'F') && ctx.boxFunction(chart.focus) !== null) {
      e.preventDefault();
      ctx.openFunction(ctx.boxFunction(chart.focus));
    }
  });
}
