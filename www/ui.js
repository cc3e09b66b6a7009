// Small DOM helpers shared by the panels: element building, the error area, drop zones,
// downloads. No framework: every function works on plain elements.

/** `el('p', {class: 'x', onclick}, 'text', child)`: builds an element. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Was this error the result of a cancel (ours or the server's)? */
export function isCancel(err) {
  if (!err) return false;
  return err.name === 'AbortError' || err.originalCode === 'artistCanceled' || /artistCancel|cancell?ed/i.test(String(err.message));
}

const CLOSE_CODES = {
  4010: 'the connection did not say which app it belongs to',
  4015: 'another window or app signed in with the same app id took over this connection',
  4021: 'the server did not accept the credentials for the live connection'
};

/**
 * Plain words for an SDK error: `{title, detail, code, name, retryable}`. Every SDK error is a
 * JS Error subclass with `name`, `code` and `retryable`; anything else is shown as it is.
 */
export function explain(err, context = '') {
  const e = err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
  const name = e.name || 'Error';
  const code = e.code ?? '';
  const msg = e.message || String(err);
  let title;
  let detail = msg;
  switch (name) {
    case 'ValidationError':
      title = 'The SDK refused this input before sending anything';
      break;
    case 'ApiError':
      if (e.status === 401) title = 'The server no longer accepts this session — sign in again';
      else if (e.status === 402 || /insufficient|balance/i.test(msg)) title = 'Not enough credit for this';
      else if (e.status === 429) title = 'Too many requests — wait a moment and try again';
      else if (e.status >= 500) title = 'The server had a problem';
      else title = 'The server refused the request';
      if (/incorrect|invalid (username|password)|wrong password|credentials/i.test(msg)) title = 'Wrong username or password';
      break;
    case 'JobError':
      title = isCancel(e) ? 'The project was cancelled' : 'The render failed';
      if (/insufficient/i.test(msg)) title = 'Not enough credit for this render';
      break;
    case 'TransportError':
      if (code === 4021) {
        title = 'The live connection was refused (code 4021)';
        detail = `${msg}. In a browser an API key cannot authenticate the WebSocket (browsers cannot send headers on it); sign in with a username and password instead. On the real Supernet the page must also be served from a *.sogni.ai address for the socket cookie to be sent.`;
      } else if (CLOSE_CODES[code]) {
        title = `The live connection closed: ${CLOSE_CODES[code]}`;
      } else {
        title = 'Could not reach the Supernet';
      }
      break;
    case 'ChatJobError':
      title = e.errorType === 'insufficient_balance' || /insufficient/i.test(msg) ? 'Not enough credit for this chat' : e.retryable ? 'The chat was interrupted — try again' : 'The chat request failed';
      if (e.errorType) detail = `${msg} (${e.errorType})`;
      break;
    case 'TimeoutError':
      title = 'This took too long';
      break;
    case 'AbortError':
      title = 'Stopped';
      break;
    case 'TypeError':
      title = /fetch|network/i.test(msg) ? 'Network error (is the server reachable?)' : 'Unexpected error in the page';
      break;
    default:
      title = 'Something went wrong';
  }
  if (context) title = `${context}: ${title}`;
  return { title, detail, code, name, retryable: !!e.retryable };
}

/** Shows an error in the alert area (never silent); returns the alert element. */
export function showError(err, context = '', { kind = 'error', actions = [] } = {}) {
  const info = explain(err, context);
  console.error(context || 'error', err);
  const codeLine = [info.name, info.code !== '' ? `code ${info.code}` : null, info.retryable ? 'worth retrying' : null]
    .filter(Boolean)
    .join(' · ');
  const alert = el(
    'div',
    { class: `alert ${kind === 'info' ? 'info' : ''}`, role: 'alert', 'data-code': String(info.code), 'data-name': info.name },
    el(
      'div',
      { class: 'alert-body' },
      el('p', {}, el('strong', { text: info.title })),
      info.detail && info.detail !== info.title ? el('p', { class: 'alert-detail', text: info.detail }) : null,
      el('p', { class: 'alert-code', text: codeLine })
    ),
    el('div', { class: 'actions' }, ...actions, el('button', { type: 'button', class: 'secondary', onclick: () => alert.remove() }, 'Dismiss'))
  );
  const area = document.getElementById('alerts');
  area.prepend(alert);
  while (area.children.length > 5) area.lastElementChild.remove();
  return alert;
}

/** Shows a notice (same area, amber) made from plain text. */
export function showNotice(title, detail, actions = []) {
  const alert = el(
    'div',
    { class: 'alert info', role: 'status' },
    el('div', { class: 'alert-body' }, el('p', {}, el('strong', { text: title })), detail ? el('p', { class: 'alert-detail', text: detail }) : null),
    el('div', { class: 'actions' }, ...actions, el('button', { type: 'button', class: 'secondary', onclick: () => alert.remove() }, 'Dismiss'))
  );
  document.getElementById('alerts').prepend(alert);
  return alert;
}

const KIND_TEST = {
  image: (f) => f.type.startsWith('image/'),
  audio: (f) => f.type.startsWith('audio/') || /\.(mp3|m4a|wav|flac|ogg|aac)$/i.test(f.name),
  video: (f) => f.type.startsWith('video/') || /\.(mp4|mov|webm|m4v)$/i.test(f.name)
};

/**
 * Makes `.dropzone` accept files by drag-and-drop or its file input. `onChange(files)` gets
 * the current `File` list (one file unless `data-multiple`). Returns `{files(), clear()}`.
 */
export function dropzone(zone, onChange = () => {}) {
  const input = zone.querySelector('input[type=file]');
  const preview = zone.querySelector('.drop-preview');
  const kind = zone.dataset.accept || 'image';
  const multiple = zone.dataset.multiple === 'true';
  let files = [];
  const render = () => {
    preview.replaceChildren(
      ...files.map((file, i) => {
        const url = URL.createObjectURL(file);
        let media;
        if (file.type.startsWith('image/')) media = el('img', { src: url, alt: `Chosen file ${file.name}` });
        else if (kind === 'audio') media = el('audio', { src: url, controls: true, preload: 'metadata', 'aria-label': file.name });
        else if (kind === 'video') media = el('video', { src: url, controls: true, muted: true, preload: 'metadata', 'aria-label': file.name });
        return el(
          'div',
          { class: 'drop-item' },
          media,
          el('span', { text: `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)` }),
          el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${file.name}`, onclick: () => set(files.filter((_, j) => j !== i)) }, 'Remove')
        );
      })
    );
  };
  // Remove buttons and clear(): exactly this list.
  const set = (list) => {
    files = list;
    render();
    onChange(files);
  };
  // The file input and drops: only files of the zone's kind; one file replaces, many append.
  const add = (list) => {
    const ok = list.filter(KIND_TEST[kind] || (() => true));
    if (ok.length < list.length) {
      showError(new TypeError(`This slot takes ${kind} files; ${list.length - ok.length} other file(s) ignored.`), 'File not used');
    }
    if (!ok.length) return;
    set(multiple ? [...files, ...ok].slice(0, 20) : ok.slice(0, 1));
  };
  input.addEventListener('change', () => {
    add([...input.files]);
    input.value = '';
  });
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (ev) => {
      ev.preventDefault();
      zone.classList.add('dragover');
    });
  }
  zone.addEventListener('dragleave', (ev) => {
    if (!zone.contains(ev.relatedTarget)) zone.classList.remove('dragover');
  });
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('dragover');
    add([...(ev.dataTransfer?.files || [])]);
  });
  render();
  return {
    files: () => files,
    file: () => files[0],
    clear: () => set([])
  };
}

/** A download link that saves the file (fetching it as a blob, since it is cross-origin). */
export function downloadLink(url, filename, label = 'Download') {
  const a = el('a', { href: url, download: filename, target: '_blank', rel: 'noopener' }, label);
  a.addEventListener('click', async (ev) => {
    if (a.dataset.saving) return;
    ev.preventDefault();
    a.dataset.saving = '1';
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const blobUrl = URL.createObjectURL(await res.blob());
      const tmp = el('a', { href: blobUrl, download: filename });
      document.body.append(tmp);
      tmp.click();
      tmp.remove();
      setTimeout(() => URL.revokeObjectURL(blobUrl), 30_000);
    } catch {
      window.open(url, '_blank', 'noopener'); // the storage refused a cross-origin read: open it instead
    } finally {
      delete a.dataset.saving;
    }
  });
  return a;
}

/** Extension for a result: from the URL, else the requested format. */
export function extensionOf(url, fallback) {
  const m = /\.(png|jpe?g|webp|mp4|mov|mp3|wav|flac|m4a)(?:[?#]|$)/i.exec(url || '');
  return (m ? m[1] : fallback || 'bin').toLowerCase().replace('jpeg', 'jpg');
}

/** Reads a number input: `undefined` when empty. */
export function num(input) {
  const v = input.value.trim();
  if (v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : v; // a non-number reaches the SDK, which names the problem
}

/** Fills a `<select>` with `[value, label]` pairs, keeping the current value when possible. */
export function fillSelect(select, options, preferred) {
  const keep = preferred ?? select.value;
  select.replaceChildren(...options.map(([value, label]) => el('option', { value }, label ?? value)));
  if (options.some(([v]) => v === keep)) select.value = keep;
  return select;
}

/** Tokens are decimal strings; show them with at most 2 decimals. */
export function amount(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value ?? '–');
  if (n !== 0 && Math.abs(n) < 0.01) return String(Number(n.toPrecision(2)));
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 3 : 2 });
}
