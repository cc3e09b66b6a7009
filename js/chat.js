// The JavaScript side of `sogni.chat`: turning caller params into JSON (vision images given
// as Blob/File/bytes become `data:` URIs, downscaled to 1024 px where the runtime can draw),
// async-iterator plumbing, and reading a streamed fetch body. Bundled by wasm-bindgen as a
// snippet next to runtime.js.

const MAX_SIDE = 1024;

const isBytes = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
const isBlob = (v) => typeof Blob !== 'undefined' && v instanceof Blob;

function sniff(bytes) {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return '';
}

function base64(bytes) {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * A vision image as a `data:` URI. Where `createImageBitmap` and `OffscreenCanvas` exist
 * (browsers, Deno), an image whose longest side is over 1024 px, or one that is not a JPEG
 * or PNG, is redrawn (scaled to fit 1024 px) and re-encoded; elsewhere the bytes go as they
 * are and the SDK's vision checks decide.
 */
async function imageDataUri(value) {
  const blob = isBlob(value) ? value : new Blob([value]);
  let bytes = new Uint8Array(await blob.arrayBuffer());
  let type = sniff(bytes) || blob.type || '';
  if (typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function') {
    let bitmap;
    try {
      bitmap = await createImageBitmap(blob);
    } catch {
      bitmap = null; // not an image the runtime can decode: let the checks report it
    }
    if (bitmap) {
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale < 1 || (type !== 'image/png' && type !== 'image/jpeg')) {
        const width = Math.max(1, Math.round(bitmap.width * scale));
        const height = Math.max(1, Math.round(bitmap.height * scale));
        const canvas = new OffscreenCanvas(width, height);
        canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
        type = type === 'image/png' ? 'image/png' : 'image/jpeg';
        const out = await canvas.convertToBlob(type === 'image/jpeg' ? { type, quality: 0.9 } : { type });
        bytes = new Uint8Array(await out.arrayBuffer());
      }
      bitmap.close?.();
    }
  }
  return `data:${type || 'application/octet-stream'};base64,${base64(bytes)}`;
}

/**
 * Splits chat params into their JSON text (undefined keys dropped, media images as `data:`
 * URIs) and the values that cannot be JSON: `{json, signal, onToolCall, onToolProgress}`.
 */
export async function prepareChatParams(params) {
  const { signal, onToolCall, onToolProgress, ...rest } = params;
  if (Array.isArray(rest.messages)) {
    rest.messages = await Promise.all(
      rest.messages.map(async (message) => {
        if (!message || !Array.isArray(message.content)) return message;
        const content = await Promise.all(
          message.content.map(async (part) => {
            if (!part || part.type !== 'image_url') return part;
            const ref = part.image_url;
            const media = isBlob(ref) || isBytes(ref) ? ref : ref && (isBlob(ref.url) || isBytes(ref.url)) ? ref.url : null;
            if (!media) return part;
            const url = await imageDataUri(media);
            return { ...part, image_url: { ...(isBlob(ref) || isBytes(ref) ? {} : ref), url } };
          })
        );
        return { ...message, content };
      })
    );
  }
  return { json: JSON.stringify(rest), signal, onToolCall, onToolProgress };
}

/** Makes instances of `obj`'s class async-iterable (`for await`), once per class. */
export function makeAsyncIterable(obj) {
  const proto = Object.getPrototypeOf(obj);
  if (!Object.prototype.hasOwnProperty.call(proto, Symbol.asyncIterator)) {
    proto[Symbol.asyncIterator] = function () {
      return this;
    };
    // `break` in a `for await` loop calls `return()`.
    proto.return = function (value) {
      this.closeIterator();
      return Promise.resolve({ value, done: true });
    };
  }
  return obj;
}

/** `{value, done}` for an iterator. */
export function iterResult(value, done) {
  return { value, done };
}

/** The reader of a streamed fetch response body, or null when it has none. */
export function bodyReader(response) {
  return response.body ? response.body.getReader() : null;
}

/** The next chunk of a body reader as bytes, or null at the end. */
export async function readChunk(reader) {
  const { value, done } = await reader.read();
  return done ? null : value;
}

/** Cancels a body reader (the consumer stopped reading). */
export function cancelReader(reader) {
  try {
    reader.cancel().catch(() => {});
  } catch {
    /* already released */
  }
}
