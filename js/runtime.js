// The few things the wasm layer does in JavaScript: error classes (JS `Error` subclasses
// need a JS `class`), opening a WebSocket the way each runtime allows, and small promise
// helpers. Bundled into the package by wasm-bindgen as a snippet.

/** Base class of every error the SDK throws or rejects with. */
export class SogniError extends Error {
  constructor(message, fields = {}) {
    super(message);
    this.name = 'SogniError';
    /** Stable machine-readable code. */
    this.code = fields.code ?? 'UNKNOWN';
    /** Whether the same call may succeed if tried again later. */
    this.retryable = !!fields.retryable;
    if (fields.retryAfter != null) this.retryAfter = fields.retryAfter;
  }
}

/** Invalid input, detected before anything goes on the wire. */
export class ValidationError extends SogniError {
  constructor(message, fields) {
    super(message, fields);
    this.name = 'ValidationError';
  }
}

/** An HTTP API answered with an error (same shape as the official `ApiError`). */
export class ApiError extends SogniError {
  constructor(message, fields = {}) {
    super(message, fields);
    this.name = 'ApiError';
    this.status = fields.status ?? 0;
    this.payload = { status: 'error', message, errorCode: fields.errorCode ?? this.status };
    if (fields.details != null) this.details = fields.details;
  }
}

/** A render job or project failed; `code` is numeric as in the official `ErrorData`. */
export class JobError extends SogniError {
  constructor(message, fields = {}) {
    super(message, fields);
    this.name = 'JobError';
    if (fields.originalCode != null) this.originalCode = fields.originalCode;
  }
}

/** The network could not be reached, or the connection was lost for good. */
export class TransportError extends SogniError {
  constructor(message, fields) {
    super(message, fields);
    this.name = 'TransportError';
  }
}

/** A deadline passed. */
export class TimeoutError extends SogniError {
  constructor(message, fields) {
    super(message, fields);
    this.name = 'TimeoutError';
  }
}

/** The operation was aborted (AbortSignal, cancel or dispose). */
export class AbortError extends SogniError {
  constructor(message, fields) {
    super(message, fields);
    this.name = 'AbortError';
  }
}

/**
 * A chat job failed (the official `ChatJobError`): `code`/`errorCode` (the server's error
 * code, e.g. `'4078'`), `errorType` (`'transport_lost'`, `'model_unavailable'`, …),
 * `jobID`, `status` and `payload` where they apply, `retryable`, `subscriptionErrorCode`.
 */
export class ChatJobError extends SogniError {
  constructor(message, fields = {}) {
    super(message, fields);
    this.name = 'ChatJobError';
    Object.assign(this, fields);
    this.code = fields.code ?? fields.errorType ?? 'CHAT_JOB_ERROR';
  }
}

const CLASSES = {
  chat: ChatJobError,
  invalid: ValidationError,
  api: ApiError,
  job: JobError,
  transport: TransportError,
  timeout: TimeoutError,
  aborted: AbortError,
  other: SogniError
};

export function makeError(kind, message, fields) {
  const Class = CLASSES[kind] ?? SogniError;
  return new Class(message, fields);
}

/** Opens a WebSocket with auth headers where the runtime allows it; resolves once usable. */
export async function openSocket(url, headers) {
  if (typeof WebSocketPair !== 'undefined' && typeof fetch === 'function') {
    // Cloudflare Workers: the upgrade goes through fetch, which takes headers.
    const res = await fetch(url.replace(/^ws/, 'http'), { headers: { ...headers, Upgrade: 'websocket' } });
    const ws = res.webSocket;
    if (!ws) throw new TransportError(`WebSocket upgrade refused (HTTP ${res.status})`, { code: 'TRANSPORT', retryable: true });
    ws.accept();
    return ws;
  }
  if (typeof WebSocket === 'undefined') {
    throw new TransportError('This runtime has no global WebSocket (Node >= 22 is required)', { code: 'TRANSPORT' });
  }
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode && headers.Authorization) setTokenCookie(url, headers.Authorization);
  // Node 22's WebSocket (undici) takes {headers}; browsers cannot send headers (cookies only).
  const ws = isNode ? new WebSocket(url, { headers }) : new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  return ws;
}

/**
 * Browsers cannot put headers on a WebSocket upgrade: like the official SDK, token auth
 * stores the token in an `authorization` cookie that the upgrade carries. That works when the
 * page and the socket host share a domain (e.g. app.sogni.ai and socket.sogni.ai, or
 * 127.0.0.1 on any port).
 */
function setTokenCookie(url, token) {
  if (typeof document === 'undefined') return;
  const socketHost = new URL(url).hostname;
  const labels = location.hostname.split('.');
  // The page's host, then its parent domains (down to two labels), that the socket host is under.
  const candidates = labels.map((_, i) => labels.slice(i).join('.')).filter((d, i) => i === 0 || d.includes('.'));
  const domain = candidates.find((d) => socketHost === d || socketHost.endsWith('.' + d));
  if (!domain) {
    console.warn('sogni-wasm: the socket host does not share a domain with this page; token auth on the socket needs a cookie it cannot set');
    return;
  }
  const scope = domain === location.hostname ? '' : `; domain=.${domain}`;
  const secure = location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `authorization=${encodeURIComponent(token)}; path=/; max-age=86400; samesite=strict${scope}${secure}`;
}

/** Reads a WebSocket message's data as text (ArrayBuffer, Blob or string). */
export async function messageText(data) {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  if (typeof Blob !== 'undefined' && data instanceof Blob) return data.text();
  return String(data);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A function that calls `target.off(event, listener)`: what `on()` returns. */
export function unsubscriber(target, event, listener) {
  return () => target.off(event, listener);
}

/** Calls a listener, turning a throw into a console error instead of breaking the SDK. */
export function callListener(listener, arg) {
  try {
    listener(arg);
  } catch (err) {
    console.error('sogni-wasm: an event listener threw', err);
  }
}

/** A promise plus its resolve/reject, for settling from Rust. */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody awaits must not crash Node.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Is `v` a Blob (File included)? */
export function isBlob(v) {
  return typeof Blob !== 'undefined' && v instanceof Blob;
}

/** Wraps bytes (ArrayBuffer, typed array, Buffer) in a Blob without copying into wasm. */
export function toBlob(v, type) {
  if (isBlob(v)) return v;
  return new Blob([v], type ? { type } : undefined);
}

/** The byte length of a Blob or byte source. */
export function byteSize(v) {
  if (isBlob(v)) return v.size;
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return v.byteLength;
  return 0;
}

/** The first `n` bytes of a Blob or byte source, for type sniffing. */
export async function headBytes(v, n) {
  if (isBlob(v)) return new Uint8Array(await v.slice(0, n).arrayBuffer());
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0, n));
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, Math.min(n, v.byteLength)).slice();
  return new Uint8Array(0);
}

/** Races `promise` against a timer that rejects with `error` after `ms`; clears the timer. */
export function withTimeout(promise, ms, error) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(error), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A signal that aborts with `signal` or after `ms`, whichever comes first. */
export function signalWithTimeout(signal, ms) {
  const timeout = AbortSignal.timeout(ms);
  if (!signal) return timeout;
  return typeof AbortSignal.any === 'function' ? AbortSignal.any([signal, timeout]) : signal;
}

/** Rejects `promise` with `error` when `signal` aborts; removes its listener on settle. */
export function withAbort(promise, signal, error) {
  if (typeof signal?.addEventListener !== 'function') return promise;
  if (signal.aborted) {
    // Nobody will read `promise` any more: its own failure must not be unhandled.
    promise.catch(() => {});
    return Promise.reject(error);
  }
  let onAbort;
  const aborted = new Promise((_, reject) => {
    onAbort = () => reject(error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

const isMediaValue = (v) => isBlob(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);

/**
 * Splits project params into a JSON-safe copy (media replaced by `true`) and the media to
 * upload: `{json, media: [{key, index, value}], invalid}`. `invalid` names a media field
 * holding something that is neither media, a boolean nor empty.
 */
export function splitMedia(params) {
  const media = [];
  let invalid = null;
  const take = (v, key, index) => {
    if (isMediaValue(v)) {
      media.push({ key, index, value: v });
      return true;
    }
    if (v === undefined || v === null || typeof v === 'boolean') return v;
    invalid = invalid ?? key;
    return v;
  };
  const json = { ...params };
  delete json.signal;
  for (const key of [
    'startingImage', 'gptImageMask', 'leftViewImage', 'backViewImage', 'rightViewImage',
    'referenceImage', 'referenceImageEnd', 'referenceAudio', 'referenceAudioIdentity', 'referenceVideo', 'referenceMask'
  ]) {
    if (key in json && !(key === 'gptImageMask' && typeof json[key] === 'string')) json[key] = take(json[key], key, 0);
  }
  if (json.controlNet && typeof json.controlNet === 'object') {
    json.controlNet = { ...json.controlNet };
    if ('image' in json.controlNet) json.controlNet.image = take(json.controlNet.image, 'cnImage', 0);
  }
  for (const key of ['contextImages', 'referenceImages', 'referenceVideos', 'referenceAudios']) {
    if (Array.isArray(json[key])) json[key] = json[key].map((v, i) => take(v, key, i));
  }
  return { json, media, invalid };
}
