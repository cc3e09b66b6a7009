// Shared helpers for conformance scenarios. Each scenario runs in its own Node 22 process
// against a running emulator, using the SDK module named by SDK_MODULE (default: the
// official @sogni-ai/sogni-client from npm), unchanged apart from the endpoints.
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

export { assert };

export const env = {
  rest: required('SOGNI_REST_ENDPOINT'),
  socket: required('SOGNI_SOCKET_ENDPOINT'),
  apiKey: process.env.SOGNI_API_KEY || 'demo-api-key',
  username: process.env.SOGNI_USERNAME || 'demo',
  password: process.env.SOGNI_PASSWORD || 'demo-password',
  sdkModule: process.env.SDK_MODULE || '@sogni-ai/sogni-client'
};

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through cargo xtask conformance)`);
  return v;
}

/** The SDK under test. */
export async function sdk() {
  return import(env.sdkModule);
}

/** A client pointed at the emulator. `auth: 'apiKey'` (default) or `'none'` for login flows. */
export async function client({ auth = 'apiKey', appId } = {}) {
  const { SogniClient } = await sdk();
  const config = {
    appId: appId || `conformance-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    network: 'fast',
    restEndpoint: env.rest,
    socketEndpoint: env.socket,
    logLevel: 'error'
  };
  if (auth === 'apiKey') config.apiKey = env.apiKey;
  return SogniClient.createInstance(config);
}

/** Downloads a result URL and decodes it; returns {format, width, height, data (RGBA)}. */
export async function fetchImage(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url} -> ${res.status}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  return decodeImage(bytes);
}

export function decodeImage(bytes) {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    const png = PNG.sync.read(bytes);
    return { format: 'png', width: png.width, height: png.height, data: png.data };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true });
    return { format: 'jpeg', width: img.width, height: img.height, data: img.data };
  }
  throw new Error(`not a PNG or JPEG (first bytes ${bytes.subarray(0, 8).toString('hex')})`);
}

/** Mean R, G, B of an RGBA buffer. */
export function meanColor(data) {
  let r = 0, g = 0, b = 0;
  const n = data.length / 4;
  for (let i = 0; i < data.length; i += 4) {
    r += data[i];
    g += data[i + 1];
    b += data[i + 2];
  }
  return { r: r / n, g: g / n, b: b / n };
}

/** A solid-colour PNG as a Node Buffer. */
export function solidPng(width, height, [r, g, b]) {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Rejects after `ms` so a hang fails the scenario instead of stalling the run. */
export function within(ms, promise, what) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

/** Runs a scenario body and exits with its verdict (the runner reads the exit code). */
export async function scenario(name, body) {
  let sogni;
  const track = (c) => (sogni = c);
  try {
    const detail = await body(track);
    console.log(`PASS ${name}${detail ? ` — ${detail}` : ''}`);
    await cleanup(sogni);
    process.exit(0);
  } catch (err) {
    console.log(`FAIL ${name} — ${err && err.stack ? err.stack : JSON.stringify(err)}`);
    await cleanup(sogni);
    process.exit(1);
  }
}

async function cleanup(sogni) {
  try {
    if (sogni) await sogni.dispose?.();
  } catch {
    /* a failing dispose must not hide the verdict */
  }
}

/** Polls `pred` every 25 ms until it is true (wrap in `within` to bound it). */
export async function until(pred) {
  while (!pred()) await new Promise((r) => setTimeout(r, 25));
}
