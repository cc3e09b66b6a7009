// The JavaScript side of the REST surface outside projects and chat: arguments as JSON,
// dates in answers, SHA-256 of a file (WebCrypto), the write-once upload of a saved asset,
// and the `Retry-After` header. Bundled by wasm-bindgen as a snippet next to runtime.js.

/** JSON text of call arguments (`undefined` dropped, functions and signals left out). */
export function argsJson(args) {
  return JSON.stringify(args, (key, value) => {
    if (typeof value === 'function') return undefined;
    if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return undefined;
    if (typeof Blob !== 'undefined' && value instanceof Blob) return undefined;
    return value;
  }) ?? 'null';
}

/** Replaces every `{"$date": ms}` marker in an answer by a `Date` (`null` → Invalid Date). */
export function reviveDates(value) {
  if (Array.isArray(value)) return value.map(reviveDates);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$date') return new Date(value.$date ?? NaN);
    for (const k of keys) value[k] = reviveDates(value[k]);
  }
  return value;
}

const bytesOf = async (file) => {
  if (typeof Blob !== 'undefined' && file instanceof Blob) return new Uint8Array(await file.arrayBuffer());
  if (file instanceof ArrayBuffer) return new Uint8Array(file);
  if (ArrayBuffer.isView(file)) return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  throw new TypeError('expected a Blob, File, ArrayBuffer, typed array or Buffer');
};

/** `{sha256 (hex), bytes}` of a Blob or byte source, hashed with WebCrypto. */
export async function digestFile(file) {
  const bytes = await bytesOf(file);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  const sha256 = Array.from(new Uint8Array(digest), (v) => v.toString(16).padStart(2, '0')).join('');
  return { sha256, bytes: bytes.byteLength };
}

/** The name of a `File`, else `'Saved upload'`. */
export function fileName(file) {
  return typeof Blob !== 'undefined' && file instanceof Blob && typeof file.name === 'string' ? file.name : 'Saved upload';
}

/**
 * PUTs a saved upload to its presigned URL with the server's headers, no credentials, no
 * redirects, 5 minutes at most; resolves with the HTTP status.
 */
export async function putUpload(url, headers, file) {
  const body = typeof Blob !== 'undefined' && file instanceof Blob ? file : new Blob([await bytesOf(file)]);
  const res = await fetch(url, {
    method: 'PUT',
    body,
    headers: headers || {},
    redirect: 'error',
    credentials: 'omit',
    signal: AbortSignal.timeout(300000)
  });
  return res.status;
}

/**
 * A `Retry-After` header in seconds: delta-seconds, or an HTTP date (then whole seconds
 * from now, at least 0); `undefined` for anything else.
 */
export function retryAfterSeconds(header) {
  if (typeof header !== 'string') return undefined;
  const h = header.trim();
  if (!h) return undefined;
  if (/^\d+$/.test(h)) {
    const n = Number(h);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (!/[A-Za-z]{3}/.test(h) || !/\d{2}:\d{2}:\d{2}/.test(h)) return undefined;
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : undefined;
}
