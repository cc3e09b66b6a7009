// A module Worker that uses the packed SDK exactly as an app deployed to Cloudflare would.
// `./pkg/workerd.js` is the file pkg/package.json routes the `workerd` export condition to;
// run.mjs embeds it and everything it imports (the wasm as a `wasm` module) into the config.
import { SogniClient, SogniError, ValidationError } from './pkg/workerd.js';

const MODEL = 'flux1-schnell-fp8';
// Non-square so a width/height swap shows. Both sides must be >= 256: the SDK (like the
// official one's validateCustomImageSize) rejects 256×192 with ValidationError INVALID_SIZE.
const WIDTH = 320;
const HEIGHT = 256;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const route = url.pathname;
    if (route === '/health') return Response.json({ ok: true });
    if (route !== '/generate' && route !== '/bad') return Response.json({ ok: false, error: { name: 'NotFound', message: route } }, { status: 404 });

    const restEndpoint = url.searchParams.get('rest');
    const socketEndpoint = url.searchParams.get('socket');
    let sogni;
    try {
      sogni = await SogniClient.createInstance({
        appId: 'workerd-test',
        apiKey: env.API_KEY,
        restEndpoint,
        socketEndpoint,
        network: 'fast'
      });
      await sogni.projects.waitForModels();

      if (route === '/bad') {
        // Steps far out of range: the SDK must reject with its typed error.
        const project = await sogni.projects.create({ type: 'image', modelId: MODEL, steps: 999 });
        return Response.json({ ok: true, unexpected: `create resolved (project ${project?.id})` });
      }

      const project = await sogni.projects.create({
        type: 'image',
        modelId: MODEL,
        positivePrompt: 'a worker test',
        numberOfMedia: 1,
        steps: 4,
        sizePreset: 'custom',
        width: WIDTH,
        height: HEIGHT
      });
      const urls = await project.waitForCompletion();
      if (!Array.isArray(urls) || urls.length === 0) throw new Error(`waitForCompletion gave ${JSON.stringify(urls)}`);

      const res = await fetch(urls[0]);
      if (!res.ok) throw new Error(`GET ${urls[0]}: HTTP ${res.status}`);
      const png = new Uint8Array(await res.arrayBuffer());
      const { width, height } = pngSize(png);
      return Response.json({ ok: true, urls, width, height, bytes: png.byteLength, userAgent: navigator.userAgent });
    } catch (err) {
      return Response.json({ ok: false, error: describe(err) }, { status: 500 });
    } finally {
      sogni?.dispose();
    }
  }
};

/** Width and height from a PNG's signature and IHDR chunk; throws if the bytes are not a PNG. */
function pngSize(bytes) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) {
    throw new Error(`not a PNG (first bytes ${Array.from(bytes.slice(0, 8), (b) => b.toString(16)).join(' ')})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.slice(12, 16));
  if (type !== 'IHDR') throw new Error(`first PNG chunk is ${type}, not IHDR`);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function describe(err) {
  return {
    name: err?.name ?? typeof err,
    code: err?.code,
    message: err?.message ?? String(err),
    isSogniError: err instanceof SogniError,
    isValidationError: err instanceof ValidationError,
    isError: err instanceof Error,
    stack: typeof err?.stack === 'string' ? err.stack.split('\n').slice(0, 8).join('\n') : undefined
  };
}
