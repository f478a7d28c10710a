// components/uploads.js: uploads of profiles to a team server (profviz
// --dir): the file picker, drag and drop anywhere on the page with a drop
// overlay, and the uploads panel that shows each file's progress and the
// server's answer. The panel sits in the page's flow (it pushes the chart
// down, never covers it) and keeps every result listed until dismissed.
// Files are sent one after another as the raw body of POST /api/profiles.
// File names and server messages reach the page via textContent only.

import { uploadProfile } from '../api.js';
import { el, clear } from '../dom.js';
import { formatBytes } from '../format.js';

const STATUS_TEXT = {
  waiting: 'waiting',
  uploading: 'uploading…',
  stored: 'uploaded',
  exists: 'already on the server',
  failed: 'failed',
};

export class Uploader {
  /**
   * els: {panel (the uploads section), input (the file input), buttons
   * (that open the picker), overlay (the drop overlay)}.
   * on: {done(items), open(profile)}: done is called when a batch ends, with
   * one item per file: {file, status: 'stored' | 'exists' | 'failed',
   * profile, message}; open when the user opens an uploaded profile.
   */
  constructor(els, on) {
    this.els = els;
    this.on = on;
    this.q = (sel) => els.panel.querySelector(sel);
    this.enabled = false;
    this.items = [];
    this.running = false;
    this.input = els.input;
    this.input.addEventListener('change', () => {
      const files = [...this.input.files];
      this.input.value = '';
      if (files.length) this.add(files);
    });
    for (const b of els.buttons) b.addEventListener('click', () => this.pick());
    this.q('.uploads-close').addEventListener('click', () => this.dismiss());
    this.listenForDrops();
  }

  /** Turns uploads on or off (the server says, in /api/health). */
  setEnabled(on) {
    this.enabled = !!on;
    for (const b of this.els.buttons) b.hidden = !this.enabled;
  }

  /** Opens the file picker. */
  pick() {
    if (this.enabled) this.input.click();
  }

  /** Hides the panel (not while a batch is running). */
  dismiss() {
    if (this.running) return;
    this.els.panel.hidden = true;
    this.items = [];
    window.dispatchEvent(new Event('resize'));
  }

  /** Queues files for upload; a batch already running takes them on. */
  add(files) {
    if (!this.enabled) return;
    // earlier results stay listed until dismissed; a new batch adds to them
    if (!this.running) this.batch = (this.batch || 0) + 1;
    for (const file of files) this.items.push({ file, status: 'waiting', profile: null, message: '', batch: this.batch });
    this.renderPanel();
    if (!this.running) this.run();
  }

  async run() {
    this.running = true;
    document.body.classList.add('uploading');
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i];
      if (it.status !== 'waiting') continue;
      it.status = 'uploading';
      this.renderPanel();
      try {
        const r = await uploadProfile(it.file);
        it.profile = r.profile;
        it.status = r.created ? 'stored' : 'exists';
      } catch (e) {
        it.status = 'failed';
        // the server's own words: they say what the file is and what to do
        it.message = e.status && e.detail && e.status !== 401 ? e.detail : e.message || String(e);
      }
      this.renderPanel();
    }
    this.running = false;
    document.body.classList.remove('uploading');
    this.renderPanel();
    const items = this.items.filter((x) => x.batch === this.batch);
    try {
      await this.on.done(items);
    } catch {
      // the caller reports its own errors
    }
  }

  renderPanel() {
    // the title speaks of the latest batch; the list keeps every result until dismissed
    const all = this.items;
    const items = all.filter((x) => x.batch === this.batch);
    const total = items.length;
    const finished = items.filter((x) => x.status !== 'waiting' && x.status !== 'uploading').length;
    const failed = items.filter((x) => x.status === 'failed').length;
    const panel = this.els.panel;
    const wasHidden = panel.hidden;
    panel.hidden = all.length === 0;
    panel.classList.toggle('has-errors', failed > 0);
    panel.classList.toggle('running', this.running);
    let title;
    if (this.running) {
      title = total === 1 ? `Uploading ${items[0].file.name}…` : `Uploading ${Math.min(finished + 1, total)} of ${total}…`;
    } else if (failed === 0) {
      title = total === 1 ? `Uploaded ${items[0].file.name}` : `Uploaded ${total} files`;
    } else if (failed === total) {
      title = total === 1 ? `Upload of ${items[0].file.name} failed` : `All ${total} uploads failed`;
    } else {
      title = `${failed} of ${total} uploads failed`;
    }
    this.q('.uploads-title').textContent = title;
    this.q('.uploads-close').hidden = this.running;
    this.q('.progress-bar').style.width = `${total ? Math.max(4, (100 * finished) / total) : 0}%`;
    const ul = this.q('.uploads-list');
    clear(ul);
    for (const it of all) {
      const li = el('li', `upload-item ${it.status}${it.batch === this.batch ? '' : ' earlier'}`);
      const icon = el('span', 'upload-icon');
      if (it.status === 'uploading') icon.append(el('span', 'spinner small'));
      else icon.textContent = { waiting: '•', stored: '✓', exists: '✓', failed: '!' }[it.status];
      const name = el('span', 'upload-name', it.file.name);
      name.title = it.file.name;
      const size = el('span', 'upload-size muted', formatBytes(it.file.size));
      const status = el('span', 'upload-status', STATUS_TEXT[it.status]);
      li.append(icon, name, size, status);
      if (it.profile && (it.status === 'stored' || it.status === 'exists')) {
        const open = el('a', 'upload-open', 'open');
        open.href = `?profile=${encodeURIComponent(it.profile.id)}`;
        open.addEventListener('click', (e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          this.on.open(it.profile);
        });
        status.append(' · ', open);
        if (it.profile.name !== it.file.name) li.append(el('div', 'upload-note muted', `stored as ${it.profile.name}`));
      }
      if (it.status === 'failed') li.append(el('div', 'upload-error', it.message));
      ul.append(li);
    }
    // the panel is in the page's flow: the chart below it gets a new height
    if (wasHidden !== panel.hidden) window.dispatchEvent(new Event('resize'));
  }

  // ---- drag and drop -------------------------------------------------------

  listenForDrops() {
    const overlay = this.els.overlay;
    let hideTimer = 0;
    const hasFiles = (e) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    const show = () => {
      clearTimeout(hideTimer);
      overlay.classList.toggle('disabled', !this.enabled);
      overlay.querySelector('.drop-title').textContent = this.enabled ? 'Drop to upload' : 'This server does not take uploads';
      overlay.querySelector('.drop-text').textContent = this.enabled
        ? '.prof, .pstats or .prof.gz files: each becomes a profile on this server.'
        : 'Start profviz with --dir DIR to let people upload profiles.';
      overlay.hidden = false;
      // dragover repeats while the pointer is over the page; when it stops,
      // the drag has left the window or was cancelled
      hideTimer = setTimeout(hide, 400);
    };
    const hide = () => {
      clearTimeout(hideTimer);
      overlay.hidden = true;
    };
    const over = (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = this.enabled ? 'copy' : 'none';
      show();
    };
    window.addEventListener('dragenter', over);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', (e) => {
      if (hasFiles(e) && e.relatedTarget === null && (e.clientX <= 0 || e.clientY <= 0 || e.clientX >= innerWidth || e.clientY >= innerHeight)) hide();
    });
    window.addEventListener('drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      hide();
      if (this.enabled && e.dataTransfer.files.length) this.add([...e.dataTransfer.files]);
    });
  }
}
