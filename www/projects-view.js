// One card per project: status, per-job progress bars, previews as they arrive, the results
// (images into the gallery, <video>/<audio> players), Cancel, and errors in plain words.
import { el, showError, explain, isCancel, downloadLink, extensionOf } from './ui.js';

const STATUS_WORDS = {
  pending: 'Sending…',
  uploading: 'Uploading references…',
  queued: 'Queued',
  processing: 'Rendering',
  completed: 'Done',
  failed: 'Failed',
  canceled: 'Cancelled'
};

const NOUN = { image: 'Image', video: 'Video', audio: 'Track' };

/** Cards by project id, for the global `projects.on('project'|'job')` feeds. */
const cards = new Map();

/** Routes the SDK's global feeds (queue position, previews) to the cards. */
export function listenToFeeds(sogni) {
  sogni.projects.on('project', (ev) => cards.get(ev.projectId)?.onFeed(ev));
  sogni.projects.on('job', (ev) => cards.get(ev.projectId)?.onFeed(ev));
}

/**
 * Creates the project with `sogni.projects.create(params)` and follows it in a card added to
 * `container`. Image results also go to `gallery` (a `<ul>`). Resolves with the result URLs
 * (an empty list after a cancel or failure; the failure is shown, never thrown).
 */
export async function trackProject({ sogni, params, container, gallery, title, onDone }) {
  const kind = params.type;
  const card = new ProjectCard(kind, title, params);
  container.prepend(card.root);
  card.setStatus(hasFiles(params) ? 'uploading' : 'pending');
  let project;
  try {
    project = await sogni.projects.create(params);
  } catch (err) {
    card.fail(err);
    showError(err, `${NOUN[kind]} project not started`);
    return [];
  }
  card.attach(project, gallery);
  try {
    const urls = await project.waitForCompletion();
    card.complete(urls);
    return urls;
  } catch (err) {
    if (card.cancelRequested || isCancel(err) || project.status === 'canceled') {
      card.canceled();
    } else {
      card.fail(err);
      showError(err, `${NOUN[kind]} project failed`);
    }
    return [];
  } finally {
    cards.delete(project.id);
    onDone?.();
  }
}

function hasFiles(params) {
  const isFile = (v) => v instanceof Blob;
  return Object.values(params).some(isFile) || isFile(params.controlNet?.image);
}

class ProjectCard {
  constructor(kind, title, params) {
    this.kind = kind;
    this.params = params;
    this.rows = new Map();
    this.delivered = new Set();
    this.cancelRequested = false;
    this.statusEl = el('span', { class: 'status', text: 'Starting…' });
    this.cancelBtn = el('button', { type: 'button', class: 'danger cancel', disabled: true, onclick: () => this.cancel() }, 'Cancel');
    this.meta = el('p', { class: 'project-meta' });
    this.jobList = el('ol', { class: 'jobs', 'aria-label': 'Jobs' });
    this.media = el('div', { class: 'media-results' });
    this.errorEl = el('p', { class: 'project-error', role: 'alert', hidden: true });
    this.root = el(
      'article',
      { class: `card project project-${kind}`, 'data-status': 'pending', 'aria-label': `${NOUN[kind]} project: ${title}` },
      el('div', { class: 'project-head' }, el('h3', { text: title }), this.statusEl, this.cancelBtn),
      this.meta,
      this.jobList,
      this.media,
      this.errorEl
    );
    this.scheduled = false;
  }

  setStatus(status) {
    this.root.dataset.status = status;
    this.statusEl.textContent = STATUS_WORDS[status] || status;
  }

  attach(project, gallery) {
    this.project = project;
    this.gallery = gallery;
    this.root.dataset.projectId = project.id;
    cards.set(project.id, this);
    this.cancelBtn.disabled = false;
    const update = () => this.schedule();
    project.on('progress', update);
    project.on('updated', update);
    project.on('jobStarted', (job) => {
      job.on('progress', update);
      job.on('updated', update);
      job.on('completed', update);
      update();
    });
    project.on('jobCompleted', update);
    project.on('jobFailed', update);
    this.schedule();
  }

  onFeed(ev) {
    if (ev.type === 'queued' && this.project?.status === 'queued') {
      const wait = ev.estimatedStartSeconds ? `, starts in about ${Math.round(ev.estimatedStartSeconds)} s` : '';
      this.meta.textContent = ev.queueStatus === 'no-workers' ? 'Waiting: no worker is online for this model yet' : `Queue position ${ev.queuePosition}${wait}`;
    }
    this.schedule();
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render() {
    const p = this.project;
    if (!p) return;
    const status = p.status;
    if (!['completed', 'failed', 'canceled'].includes(this.root.dataset.status)) this.setStatus(status);
    if (status === 'processing') {
      const eta = p.eta ? Math.max(0, Math.round((p.eta - Date.now()) / 1000)) : null;
      this.meta.textContent = `${Math.round(p.progress)}% overall${eta != null ? ` · about ${eta} s left` : ''}`;
    }
    const count = this.params.numberOfMedia || 1;
    const jobs = p.jobs;
    // Placeholder rows until the jobs exist, so a person sees how many are coming.
    for (let i = 0; i < Math.max(count, jobs.length); i++) this.row(i);
    jobs.forEach((job, i) => this.renderJob(job, this.row(i)));
  }

  row(i) {
    let row = this.rows.get(i);
    if (row) return row;
    const label = `${NOUN[this.kind]} ${i + 1}`;
    const bar = el('progress', { max: 100, value: 0, 'aria-label': `${label} progress` });
    const pct = el('span', { class: 'pct', text: 'waiting' });
    const thumb = this.kind === 'image' ? el('div', { class: 'thumb', text: 'waiting for a worker' }) : null;
    const li = el('li', { class: 'job', 'data-index': i }, el('div', { class: 'job-line' }, el('span', { text: label }), pct), bar, thumb);
    this.jobList.append(li);
    row = { li, bar, pct, thumb, label, previewShown: null };
    this.rows.set(i, row);
    return row;
  }

  renderJob(job, row) {
    const status = job.status;
    row.li.dataset.status = status;
    row.li.dataset.jobId = job.id;
    row.bar.value = status === 'completed' ? 100 : job.progress;
    const step = job.stepCount ? ` · step ${job.step}/${job.stepCount}` : '';
    row.pct.textContent =
      status === 'completed' ? 'done' : status === 'failed' ? 'failed' : status === 'canceled' ? 'cancelled' : status === 'pending' ? 'waiting' : `${Math.round(job.progress)}%${step}`;
    if (job.workerName) row.li.title = `Rendered by ${job.workerName}`;
    const preview = job.previewUrl;
    if (row.thumb && preview && !job.resultUrl && row.previewShown !== preview) {
      row.previewShown = preview;
      row.thumb.replaceChildren(el('img', { class: 'preview', src: preview, alt: `${row.label}, preview at ${Math.round(job.progress)}%` }));
    }
    if (status === 'completed' && !this.delivered.has(job.id)) {
      this.delivered.add(job.id);
      this.deliver(job, row);
    }
  }

  deliver(job, row) {
    const url = job.resultUrl;
    if (!url) {
      const why = job.isNSFW ? 'hidden by the safety filter' : 'no file was delivered';
      if (row.thumb) row.thumb.textContent = why;
      else this.media.append(el('p', { class: 'hint', text: `${row.label}: ${why}` }));
      return;
    }
    const seed = job.seed != null ? `seed ${job.seed}` : '';
    const ext = extensionOf(url, this.params.outputFormat || { image: 'png', video: 'mp4', audio: 'mp3' }[this.kind]);
    const name = `sogni-${this.kind}-${job.id.slice(0, 8).toLowerCase()}.${ext}`;
    if (this.kind === 'image') {
      const alt = `${this.params.positivePrompt || 'image'} (${row.label}${seed ? `, ${seed}` : ''})`;
      row.thumb.replaceChildren(el('img', { src: url, alt }));
      this.gallery?.prepend(
        el(
          'li',
          {},
          el('figure', {}, el('img', { src: url, alt, loading: 'lazy' }), el('figcaption', {}, seed ? el('span', { text: seed }) : null, downloadLink(url, name)))
        )
      );
      this.gallery?.dispatchEvent(new Event('change'));
    } else {
      const player =
        this.kind === 'video'
          ? el('video', { src: url, controls: true, playsInline: true, loop: true, preload: 'metadata', 'aria-label': `${row.label} of ${this.params.positivePrompt || 'video'}` })
          : el('audio', { src: url, controls: true, preload: 'metadata', 'aria-label': `${row.label}: ${this.params.positivePrompt || 'audio'}` });
      player.addEventListener('error', () => showError(new Error(`The ${this.kind} file could not be played (${player.error?.message || 'media error'})`), `${row.label}`));
      this.media.append(el('figure', {}, player, el('figcaption', {}, el('span', { text: `${row.label}${seed ? ` · ${seed}` : ''}` }), downloadLink(url, name))));
    }
  }

  async cancel() {
    if (!this.project) return;
    this.cancelRequested = true;
    this.cancelBtn.disabled = true;
    this.cancelBtn.textContent = 'Cancelling…';
    try {
      await this.project.cancel();
    } catch (err) {
      this.cancelRequested = false;
      this.cancelBtn.disabled = false;
      this.cancelBtn.textContent = 'Cancel';
      showError(err, 'Cancel failed');
    }
  }

  complete(urls) {
    this.render();
    this.setStatus('completed');
    this.cancelBtn.hidden = true;
    const n = urls.length;
    const want = this.params.numberOfMedia || 1;
    this.meta.textContent = n < want ? `${n} of ${want} delivered` : `${n} ${NOUN[this.kind].toLowerCase()}${n === 1 ? '' : 's'} ready`;
  }

  /** Rows of jobs that never finished say how they ended. */
  closeRows(word) {
    for (const row of this.rows.values()) {
      if (row.li.dataset.status === 'completed') continue;
      row.pct.textContent = word;
      if (row.thumb && !row.thumb.querySelector('img')) row.thumb.textContent = word;
    }
  }

  canceled() {
    this.render();
    this.closeRows('cancelled');
    this.setStatus('canceled');
    this.cancelBtn.hidden = true;
    this.meta.textContent = 'Cancelled; unfinished jobs are refunded.';
  }

  fail(err) {
    if (this.project) this.render();
    this.closeRows('not rendered');
    this.setStatus('failed');
    this.cancelBtn.hidden = true;
    const info = explain(err);
    this.errorEl.hidden = false;
    this.errorEl.textContent = `${info.title}: ${info.detail} (${info.name}${info.code !== '' ? `, code ${info.code}` : ''})`;
  }
}
