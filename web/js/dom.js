// dom.js: tiny helpers to build elements. Text always goes in through
// textContent, so names from a profile can never become markup.

/** Creates <tag> with a class (optional) and text (optional). */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/** Removes every child of e. */
export function clear(e) {
  while (e.firstChild) e.removeChild(e.firstChild);
}

/** The element with this id (throws when the page lacks it). */
export function $(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page has no #${id}`);
  return e;
}

/** Shows a loading element only if the work takes longer than delay ms. */
export function delayedShow(e, delay = 120) {
  const t = setTimeout(() => (e.hidden = false), delay);
  return () => {
    clearTimeout(t);
    e.hidden = true;
  };
}
