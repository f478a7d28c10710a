// views/index.js: the views the chart can show, in the order of the view
// buttons. Adding a view means adding a file next to this one that
// default-exports a descriptor, and its import below; docs/frontend.md
// describes the interface.
//
// A descriptor: {name, label, create() -> view, data?(store, state) -> Promise}
//   name   the `view` URL parameter; label: the button's text.
//   data   optional: extra data the view needs besides the tree (e.g. a base
//          profile's times), fetched through the store; the chart hands the
//          result to layout() as model.extra.
//
// A view (what create() returns) keeps its own geometry in canvas CSS pixels:
//   height(items, width, paneHeight) -> canvas height in CSS pixels
//   fitDepth(paneHeight, width) -> levels below the view root that fill the pane
//   reset()                        the view root changed (e.g. forget a zoom)
//   layout(model, width, height, env)  model: {items, extra, root}; env: {measure(text)}
//   draw(ctx, paint)               paint: {theme, colour(item), matchFlags, searching, hover, focus, focused}
//   hitTest(x, y) -> item index or -1
//   boxes() -> [{index, x, y, width, height}]          drawn boxes
//   labels() -> [{index, text, cx, cy, width, height, angle}]  drawn text
//   rectOf(index) -> {x, y, w, h} | null               for placing a tooltip
// and optionally:
//   colour(item, theme) -> CSS colour     its own colour scale (instead of the colour mode)
//   legend(model) -> {title, entries: [{colour, label}]} | {title, gradient: [css colours], min, max}
//   zoomAt(x, factor), panBy(dx), zoomed() -> bool    wheel zoom and drag pan
//   drawMarks(ctx, paint)          draws only the hover and focus marks over a copy
//                                  of draw()'s picture made with no hover and no focus
//                                  (chart.js keeps it; without drawMarks, every draw is whole)

import icicle from './icicle.js';
import sunburst from './sunburst.js';
import compare from './compare.js';

export const VIEWS = [icicle, sunburst, compare];

/** The descriptor of a view by name, or the first view. */
export function viewByName(name) {
  return VIEWS.find((v) => v.name === name) || VIEWS[0];
}

export const VIEW_NAMES = VIEWS.map((v) => v.name);
