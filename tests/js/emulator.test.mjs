// The emulator as JavaScript runtimes see it: Node 22's global WebSocket (undici) with an
// api-key header, binary frames, a browser-like socket without credentials, CORS with
// credentials, and a Blob uploaded to a presigned URL by fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const REST = process.env.SOGNI_REST_ENDPOINT;
const SOCKET = process.env.SOGNI_SOCKET_ENDPOINT;
const KEY = process.env.SOGNI_API_KEY || 'demo-api-key';
if (!REST || !SOCKET) throw new Error('run through `cargo xtask test` (SOGNI_REST_ENDPOINT is not set)');

const decode = (buf) => {
  const env = JSON.parse(new TextDecoder().decode(buf));
  return { type: env.type, data: JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(env.data), (c) => c.charCodeAt(0)))) };
};
const encode = (type, data) =>
  JSON.stringify({ type, data: btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(data)))) });

function open(query, init) {
  const ws = new WebSocket(`${SOCKET}/?${query}`, init);
  ws.binaryType = 'arraybuffer';
  const events = [];
  const waiters = [];
  ws.addEventListener('message', (e) => {
    assert.ok(e.data instanceof ArrayBuffer, 'server frames are binary');
    events.push(decode(e.data));
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
  async function next(type) {
    for (;;) {
      const i = events.findIndex((e) => e.type === type);
      if (i >= 0) return events.splice(i, 1)[0].data;
      await new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${type} within 5 s`)), 5000);
        waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }
  return { ws, next, closed };
}

test('Node 22 WebSocket passes the api-key header and gets binary envelopes', async () => {
  const s = open('appId=js-node&clientType=artist&forceWorkerId=fast', { headers: { 'api-key': KEY } });
  const auth = await s.next('authenticated');
  assert.equal(auth.username, 'demo');
  const models = await s.next('swarmModels');
  assert.ok(models['flux1-schnell-fp8'] > 0);
  s.ws.send(encode('changeNetwork', 'relaxed'));
  assert.deepEqual(await s.next('changeNetwork'), { network: 'relaxed' });
  s.ws.close(1000);
  assert.equal((await s.closed).code, 1000);
});

test('a socket without credentials (a browser off *.sogni.ai) is closed with 4021', async () => {
  const s = open('appId=js-browser');
  const { code } = await s.closed;
  assert.equal(code, 4021);
});

test('CORS allows credentialed calls with the SDK headers from any page origin', async () => {
  const res = await fetch(`${REST}/v1/account/me`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://127.0.0.1:8787',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'api-key,authorization,content-type'
    }
  });
  assert.ok(res.status < 300, `preflight status ${res.status}`);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8787');
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  assert.match(res.headers.get('access-control-allow-headers') || '', /api-key/i);
});

test('a Blob goes to a presigned upload URL as is', async () => {
  const jobId = crypto.randomUUID().toUpperCase();
  const q = new URLSearchParams({ imageId: crypto.randomUUID(), jobId, type: 'startingImage', contentType: 'image/png' });
  const res = await fetch(`${REST}/v1/image/uploadUrl?${q}`, { headers: { 'api-key': KEY } });
  assert.equal(res.status, 200);
  const { data } = await res.json();
  const blob = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])], { type: 'image/png' });
  const put = await fetch(data.uploadUrl, { method: 'PUT', body: blob, headers: { 'Content-Type': blob.type } });
  assert.equal(put.status, 200);
  const stats = await (await fetch(`${REST}/emulator/stats`)).json();
  assert.ok(stats.uploads >= 1);
});
