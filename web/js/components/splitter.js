// components/splitter.js: the chart pane's height and the splitter below it.
// The height comes from plan.js (the window size and the height the user
// dragged to, remembered in localStorage), never from a layout read, so that
// boot.js asked for the tree that fills this very pane. Dragging the handle
// shares the height between chart and table; a double-click forgets the
// dragged height.

import { paneHeight, savedHeight, viewportSize, SPLIT_KEY } from '../plan.js';

export class Splitter {
  /** pane: the chart pane; handle: the splitter; on.changed(): the planned height changed. */
  constructor(pane, handle, on) {
    this.pane = pane;
    this.handle = handle;
    this.on = on;
    this.planned = 0;
    this.apply();
    addEventListener('resize', () => {
      this.apply();
      this.on.changed();
    });
    handle.addEventListener('pointerdown', (e) => this.drag(e));
    handle.addEventListener('dblclick', () => {
      try {
        localStorage.removeItem(SPLIT_KEY);
      } catch {
        // nothing stored
      }
      this.apply();
      this.on.changed();
    });
  }

  /** Sets the pane to its planned height: the dragged one, else all the height the table does not need. */
  apply() {
    this.planned = paneHeight(viewportSize().height, savedHeight());
    this.pane.style.height = `${this.planned}px`;
  }

  drag(e) {
    const startY = e.clientY;
    const startH = this.pane.offsetHeight;
    let h = startH;
    const move = (ev) => {
      h = Math.max(120, Math.min(innerHeight - 200, startH + ev.clientY - startY));
      this.pane.style.height = `${h}px`;
    };
    const up = () => {
      removeEventListener('pointermove', move);
      removeEventListener('pointerup', up);
      try {
        localStorage.setItem(SPLIT_KEY, String(Math.round(h)));
      } catch {
        // not remembered
      }
      this.apply();
      this.on.changed();
    };
    addEventListener('pointermove', move);
    addEventListener('pointerup', up);
  }
}
