// The packed package's browser entry (pkg/browser.js) in headless Chromium (Debian's, driven
// by playwright-core): a page imports it as an app would, signs in, and generates an image
// from a dropped-File-like Blob. Token auth reaches the socket as the `authorization` cookie;
// cookie auth uses the emulator's HttpOnly session cookie.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REST = process.env.SOGNI_REST_ENDPOINT;
const SOCKET = process.env.SOGNI_SOCKET_ENDPOINT;
if (!REST || !SOCKET) throw new Error('run through `cargo xtask test` (SOGNI_REST_ENDPOINT is not set)');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PKG = fileURLToPath(new URL('../../pkg/', import.meta.url));

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>pkg browser test</title><p>ready</p>`;

let server;
let origin;
let browser;

before(async () => {
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(PKG, path.replace(/^\/pkg\//, '')));
    if (!path.startsWith('/pkg/') || !file.startsWith(PKG) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' }).end(await readFile(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function inPage(fn, arg) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(origin + '/');
  try {
    return await page.evaluate(fn, arg);
  } finally {
    await context.close();
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  }
}

async function generate({ rest, socket, authType }) {
  const { SogniClient } = await import('/pkg/browser.js');
  const sogni = await SogniClient.createInstance({ appId: `page-${Math.random()}`, restEndpoint: rest, socketEndpoint: socket, authType, logLevel: 'error' });
  await sogni.account.login('demo', 'demo-password');
  const models = await sogni.projects.waitForModels();
  // A 4×4 red PNG drawn on a canvas, as a File from a drop would arrive.
  const canvas = new OffscreenCanvas(4, 4);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'red';
  ctx.fillRect(0, 0, 4, 4);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  const file = new File([blob], 'red.png', { type: 'image/png' });
  const project = await sogni.projects.create({
    type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'a page test', numberOfMedia: 1, steps: 4,
    sizePreset: 'custom', width: 256, height: 256, startingImage: file, startingImageStrength: 0.9
  });
  const urls = await project.waitForCompletion();
  const img = await createImageBitmap(await (await fetch(urls[0])).blob());
  const result = { models: models.length, urls, width: img.width, height: img.height, user: sogni.currentAccount.username };
  sogni.dispose();
  return result;
}

test('pkg/browser.js: token auth (socket via the authorization cookie) and a File reference', async () => {
  const r = await inPage(generate, { rest: REST, socket: SOCKET });
  assert.ok(r.models > 0);
  assert.equal(r.urls.length, 1);
  assert.equal(r.width, 256);
  assert.equal(r.height, 256);
  assert.equal(r.user, 'demo');
});

test("pkg/browser.js: authType 'cookies' signs in with the server's HttpOnly cookie", async () => {
  const r = await inPage(generate, { rest: REST, socket: SOCKET, authType: 'cookies' });
  assert.ok(r.models > 0, 'the socket upgrade carried the session cookie');
  assert.equal(r.urls.length, 1);
});

test('pkg/browser.js: an API key cannot authenticate a browser socket; the error is typed', async () => {
  const r = await inPage(async ({ rest, socket }) => {
    const { SogniClient, TransportError } = await import('/pkg/browser.js');
    const sogni = await SogniClient.createInstance({ appId: 'page-key', apiKey: 'demo-api-key', restEndpoint: rest, socketEndpoint: socket, logLevel: 'error' });
    try {
      await sogni.projects.waitForModels(5000);
      return { ok: true };
    } catch (e) {
      return { ok: false, transport: e instanceof TransportError, code: e.code };
    } finally {
      sogni.dispose();
    }
  }, { rest: REST, socket: SOCKET });
  assert.equal(r.ok, false);
  assert.equal(r.transport, true);
  assert.equal(r.code, 4021);
});

test('pkg/browser.js: streamed vision chat with a 2048×1536 File downscaled to 1024 px in the page', async () => {
  const out = await inPage(
    async ({ rest, socket }) => {
      const { SogniClient, AbortError } = await import('/pkg/browser.js');
      const sogni = await SogniClient.createInstance({ appId: `chat-page-${Math.random()}`, restEndpoint: rest, socketEndpoint: socket, logLevel: 'error' });
      await sogni.account.login('demo', 'demo-password');
      await sogni.chat.waitForModels();
      const canvas = new OffscreenCanvas(2048, 1536);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = 'rgb(20, 40, 220)';
      ctx.fillRect(0, 0, 2048, 1536);
      const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'big.png', { type: 'image/png' });
      const stream = await sogni.chat.completions.create({
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: file } }, { type: 'text', text: 'describe' }] }],
        stream: true
      });
      let text = '';
      for await (const chunk of stream) text += chunk.content;
      // Abort a second stream after its first chunk.
      const controller = new AbortController();
      const second = await sogni.chat.completions.create({
        messages: [{ role: 'user', content: 'a long tale of the sea, please, with many words' }],
        max_tokens: 300,
        stream: true,
        signal: controller.signal
      });
      let aborted = false;
      try {
        for await (const _ of second) controller.abort();
      } catch (e) {
        aborted = e instanceof AbortError;
      }
      sogni.dispose();
      return { text, final: stream.finalResult.content, aborted };
    },
    { rest: REST, socket: SOCKET }
  );
  assert.equal(out.final, out.text);
  assert.match(out.text, /PNG 1024×768/, `the model saw the downscaled image: ${out.text}`);
  assert.equal(out.aborted, true, 'the aborted stream rejected with AbortError');
});
