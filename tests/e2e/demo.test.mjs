// The demo page (www/) end to end in headless Chromium (Debian's, driven by playwright-core
// from tests/js): sign in against the emulator, an image from a dropped File, a video and a
// song whose players load, a cancel, errors for bad input and for an API key, a socket
// takeover the page survives, the chat panel, and the phone layout. One screenshot per flow
// goes to tests/e2e/screenshots/ (git-ignored) for people to look at.
//
// `cargo xtask e2e` (and the `e2e` step of `cargo xtask test`) starts the demo server and sets
// DEMO_URL; run alone, this file starts `cargo xtask demo --port 0 --no-build` itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../js/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOW_TIMEOUT = 30_000;

let demo; // the `cargo xtask demo` child when we started it
let origin;
let config;
let browser;
let context;
let page;
const pageErrors = [];

async function startDemo() {
  if (process.env.DEMO_URL) return process.env.DEMO_URL;
  demo = spawn('cargo', ['xtask', 'demo', '--port', '0', '--no-build'], { cwd: ROOT, detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  return await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the demo server did not start: ${out}`)), 180_000);
    demo.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /demo: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    demo.on('exit', (code) => reject(new Error(`cargo xtask demo exited with ${code}: ${out}`)));
  });
}

const shot = (name) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

/** A test whose failure leaves a screenshot (FAILED-….png) and the page's alerts in the log. */
function flow(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (err) {
      const slug = name.split(':')[0].replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      await page?.screenshot({ path: `${SHOTS}FAILED-${slug}.png`, fullPage: true }).catch(() => {});
      const alerts = await page?.$$eval('#alerts .alert', (as) => as.map((a) => a.textContent)).catch(() => []);
      if (alerts?.length) err.message += `\npage alerts: ${alerts.join(' | ')}`;
      throw err;
    }
  });
}

/** Sets an input's value the way typing would (input + change events). */
async function set(selector, value) {
  await page.fill(selector, String(value));
  await page.dispatchEvent(selector, 'change');
}

/** A PNG made in the page, dropped on a drop zone with a real DataTransfer. */
async function dropImage(zoneSelector, color = 'red') {
  await page.evaluate(
    async ({ zoneSelector, color }) => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 64;
      const g = canvas.getContext('2d');
      g.fillStyle = color;
      g.fillRect(0, 0, 64, 64);
      const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
      const file = new File([blob], `${color}.png`, { type: 'image/png' });
      const dataTransfer = new DataTransfer();
      dataTransfer.items.add(file);
      const zone = document.querySelector(zoneSelector);
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }));
      }
    },
    { zoneSelector, color }
  );
}

async function openTab(name) {
  await page.click(`#tab-${name}`);
  await page.waitForSelector(`#panel-${name}:not([hidden])`);
}

/** The newest project card of a panel. */
const newestCard = (panel) => `#${panel}-projects > article:first-child`;

async function waitForCard(panel, status) {
  await page.waitForSelector(`${newestCard(panel)}[data-status="${status}"]`, { timeout: FLOW_TIMEOUT });
}

async function alertWith(code) {
  const alert = page.locator(`#alerts .alert[data-code="${code}"]`).first();
  await alert.waitFor({ timeout: FLOW_TIMEOUT });
  return alert;
}

async function signIn() {
  await page.waitForSelector('#login-form');
  await page.fill('#username', config.username);
  await page.fill('#password', config.password);
  await page.click('#login-button');
  await page.waitForSelector('#balance-spark', { timeout: FLOW_TIMEOUT });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  origin = await startDemo();
  config = await (await fetch(`${origin}/config.json`)).json();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required']
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.setDefaultTimeout(FLOW_TIMEOUT);
});

after(async () => {
  await browser?.close();
  if (demo) {
    try {
      process.kill(-demo.pid, 'SIGTERM');
    } catch {}
  }
});

flow('the page loads and signs in with username and password; account and balance show', async () => {
  await page.goto(origin);
  await page.waitForSelector('body[data-ready]');
  await signIn();
  assert.equal(await page.textContent('#account-name'), config.username);
  assert.match(await page.textContent('#balance'), /Spark [\d,.]+ · Sogni [\d,.]+/);
  await page.waitForSelector('#conn[data-state="connected"]');
  // The model picker lists models with their worker counts.
  await page.waitForFunction(() => document.querySelectorAll('#image-model option').length > 3);
  assert.match(await page.textContent('#image-model option:checked'), /— \d+ workers?/);
  await page.waitForFunction(() => /Cost: about [\d.,]+ Spark/.test(document.querySelector('#image-estimate').textContent));
  await shot('01-signed-in');
});

flow('image: a dropped File as starting image, live estimate, progress, gallery with downloads', async () => {
  await openTab('image');
  const estimateBefore = await page.textContent('#image-estimate');
  await dropImage('[data-slot=startingImage]', 'red');
  await page.waitForSelector('[data-slot=startingImage] .drop-preview img');
  await set('#image-strength', '0.9');
  await set('#image-count', 2);
  await set('#image-steps', 4);
  await page.fill('#image-prompt', 'a red test card');
  // The estimate follows the form (a starting image changes the price path).
  await page.waitForFunction((before) => {
    const t = document.querySelector('#image-estimate').textContent;
    return /Cost: about/.test(t) && t !== before;
  }, estimateBefore);
  const sparkBefore = Number((await page.textContent('#balance-spark')).replace(/,/g, ''));
  // Previews show in the job tiles while rendering.
  await page.evaluate(() => {
    window.previewsSeen = new Set();
    new MutationObserver(() => document.querySelectorAll('#image-projects img.preview').forEach((i) => window.previewsSeen.add(i.src))).observe(document.body, {
      subtree: true,
      childList: true
    });
  });
  await page.click('#image-submit');
  await page.waitForSelector(`${newestCard('image')} progress`);
  await waitForCard('image', 'completed');
  await page.waitForFunction(() => document.querySelectorAll('#gallery li img').length >= 2 && [...document.querySelectorAll('#gallery li img')].every((i) => i.complete && i.naturalWidth > 0));
  const bars = await page.$$eval(`${newestCard('image')} progress`, (ps) => ps.map((p) => p.value));
  assert.deepEqual(bars, [100, 100]);
  assert.ok((await page.evaluate(() => window.previewsSeen.size)) >= 1, 'a preview was shown before the result');
  assert.equal(await page.locator('#gallery li a[download]').count(), 2);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#gallery li:first-child a[download]')]);
  assert.match(download.suggestedFilename(), /^sogni-image-[0-9a-f-]{8}\.png$/);
  // The starting image was used: at strength 0.9 the result is mostly red.
  const rgb = await page.evaluate(async () => {
    const url = document.querySelector('#gallery li img').src;
    const bitmap = await createImageBitmap(await (await fetch(url)).blob());
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const g = canvas.getContext('2d');
    g.drawImage(bitmap, 0, 0);
    const d = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += d[i + c];
    return sum.map((s) => s / (d.length / 4));
  });
  assert.ok(rgb[0] > rgb[1] + 60 && rgb[0] > rgb[2] + 60, `result is red-dominated: ${rgb}`);
  // The balance is live: the project's cost came off it.
  await page.waitForFunction((b) => Number(document.querySelector('#balance-spark').textContent.replace(/,/g, '')) < b, sparkBefore);
  await shot('02-image-gallery');
});

flow('video: WAN and LTX frame counts, WAN text-to-video and LTX image-to-video play in <video>', async () => {
  await openTab('video');
  // Frame maths as the SDK sends it.
  await page.selectOption('#video-workflow', 'ltx-t2v');
  await page.waitForFunction(() => document.querySelector('#video-fps').value === '24');
  await set('#video-duration', 1.5);
  await page.waitForFunction(() => document.querySelector('#video-frames').dataset.frames === '41'); // 1.5×24+1 = 37 → 41 on 1+8n
  await page.selectOption('#video-workflow', 'wan-t2v');
  await set('#video-duration', 1);
  await page.waitForFunction(() => document.querySelector('#video-frames').dataset.frames === '17'); // 1×16+1
  await page.waitForFunction(() => /Cost: about/.test(document.querySelector('#video-estimate').textContent));
  await page.fill('#video-prompt', 'waves at sunset');
  await page.click('#video-submit');
  await waitForCard('video', 'completed');
  // LTX image-to-video, the first frame chosen with the file picker.
  await page.selectOption('#video-workflow', 'ltx-i2v');
  await set('#video-duration', 1);
  const png = await page.evaluate(async () => {
    const c = new OffscreenCanvas(32, 32);
    const g = c.getContext('2d');
    g.fillStyle = 'blue';
    g.fillRect(0, 0, 32, 32);
    return [...new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer())];
  });
  await page.setInputFiles('#video-referenceImage', { name: 'first.png', mimeType: 'image/png', buffer: Buffer.from(png) });
  await page.waitForSelector('[data-slot=referenceImage] .drop-preview img');
  await page.click('#video-submit');
  await waitForCard('video', 'completed');
  const players = await page.evaluateHandle(() => [...document.querySelectorAll('#video-projects video')]);
  await page.waitForFunction((vs) => vs.length === 2 && vs.every((v) => v.readyState >= 1 && v.duration > 0), players, { timeout: FLOW_TIMEOUT });
  const durations = await page.$$eval('#video-projects video', (vs) => vs.map((v) => v.duration));
  for (const d of durations) assert.ok(d > 0.5 && d < 3, `video duration ${d}`);
  await shot('03-video');
});

flow('audio: ACE-Step music plays in <audio>', async () => {
  await openTab('audio');
  await page.waitForFunction(() => document.querySelector('#audio-model').value === 'ace_step_1.5_turbo');
  await set('#audio-duration', 10);
  await page.waitForFunction(() => /Cost: about/.test(document.querySelector('#audio-estimate').textContent));
  await page.click('#audio-submit');
  await waitForCard('audio', 'completed');
  await page.waitForFunction(() => {
    const a = document.querySelector('#audio-projects audio');
    return a && a.readyState >= 1 && a.duration > 5;
  });
  await shot('04-audio');
});

flow('video from references: WAN sound-to-video (image + song) and LTX video-to-video with a control', async () => {
  await openTab('video');
  // The files a person would pick: the song and the video made above, and a drawn image.
  const fetchBytes = async (selector) => Buffer.from(await (await fetch(await page.getAttribute(selector, 'src'))).arrayBuffer());
  const song = await fetchBytes('#audio-projects audio');
  const clip = await fetchBytes('#video-projects article:last-child video');
  await page.selectOption('#video-workflow', 'wan-s2v');
  assert.deepEqual(await page.$$eval('#video-refs .dropzone.required:not([hidden]) label', (ls) => ls.map((l) => l.textContent)), ['Face or subject', 'Speech or song']);
  await dropImage('[data-slot=referenceImage]', 'purple');
  await page.setInputFiles('#video-referenceAudio', { name: 'song.mp3', mimeType: 'audio/mpeg', buffer: song });
  await page.waitForSelector('[data-slot=referenceAudio] .drop-preview audio');
  await set('#video-duration', 1);
  await set('#video-audio-duration', 1);
  await page.click('#video-submit');
  await waitForCard('video', 'completed');
  await page.selectOption('#video-workflow', 'ltx-v2v');
  await page.setInputFiles('#video-referenceVideo', { name: 'clip.mp4', mimeType: 'video/mp4', buffer: clip });
  await page.selectOption('#video-cn-name', 'depth');
  await set('#video-duration', 1);
  await page.click('#video-submit');
  await waitForCard('video', 'completed');
  await page.waitForFunction(() => {
    const vs = [...document.querySelectorAll('#video-projects video')].slice(0, 2);
    return vs.length === 2 && vs.every((v) => v.readyState >= 1 && v.duration > 0);
  });
  await shot('05-video-references');
});

flow('cancel: a running project is cancelled from its card', async () => {
  await openTab('image');
  await dropImage('[data-slot=startingImage]', 'green'); // replaces the red one
  await set('#image-steps', 12);
  await set('#image-count', 3);
  await page.click('#image-submit');
  const card = newestCard('image');
  await page.waitForSelector(`${card} button.cancel:not([disabled])`);
  // Cancel mid-render, once the first progress has come in.
  await page.waitForFunction((card) => [...document.querySelectorAll(`${card} progress`)].some((p) => p.value > 0), card);
  await page.click(`${card} button.cancel`);
  await waitForCard('image', 'canceled');
  assert.match(await page.textContent(`${card} .project-meta`), /Cancelled/);
  assert.equal(await page.locator('#alerts .alert[data-name="JobError"]').count(), 0, 'a cancel is not reported as an error');
  await shot('06-cancel');
});

flow('bad input: the SDK refusal is shown in plain words with its code', async () => {
  await openTab('image');
  try {
    await set('#image-steps', 999);
    await page.click('#image-submit');
    const alert = await alertWith('INVALID_STEPS');
    assert.match(await alert.textContent(), /refused this input/);
    assert.match(await alert.textContent(), /ValidationError · code INVALID_STEPS/);
    await waitForCard('image', 'failed');
    assert.match(await page.textContent(`${newestCard('image')} .project-error`), /code INVALID_STEPS/);
    // A video workflow without its required reference files.
    await openTab('video');
    await page.selectOption('#video-workflow', 'wan-s2v');
    const remove = page.locator('#video-refs .dropzone:not([hidden]) .drop-item button');
    while (await remove.count()) await remove.first().click();
    await page.click('#video-submit');
    await alertWith('MISSING_REFERENCE');
    await shot('07-bad-input');
  } finally {
    await page.evaluate(() => document.querySelectorAll('#alerts .alert').forEach((a) => a.remove()));
    await openTab('image');
    await set('#image-steps', 4);
  }
});

flow('socket drop: another connection takes over the app id; the page reports it and keeps working', async () => {
  const appId = await page.evaluate(() => window.sogniDemo.appId);
  // The same account and app id from elsewhere: the server closes the page's socket with 4015.
  const url = `${config.socketEndpoint}/?appId=${encodeURIComponent(appId)}&clientName=e2e&clientType=artist`;
  const intruder = new WebSocket(url, { headers: { 'api-key': config.apiKey } });
  await new Promise((resolve, reject) => {
    intruder.onopen = resolve;
    intruder.onerror = () => reject(new Error('intruder socket failed'));
  });
  const alert = await alertWith('4015');
  assert.match(await alert.textContent(), /took over/);
  await page.waitForSelector('#conn[data-state="disconnected"]');
  intruder.close();
  await shot('08-socket-drop');
  // Still usable: Reconnect, then a project (with a ControlNet guide this time) completes.
  await alert.locator('button', { hasText: 'Reconnect' }).click();
  await page.waitForSelector('#conn[data-state="connected"]');
  assert.equal(await alert.isVisible(), false, 'the alert goes once reconnected');
  const before = await page.locator('#gallery li').count();
  await set('#image-count', 1);
  await dropImage('[data-slot=controlNet]', 'white');
  await page.selectOption('#image-cn-name', 'canny');
  await page.click('#image-submit');
  await waitForCard('image', 'completed');
  assert.equal(await page.locator('#gallery li').count(), before + 1);
  await page.evaluate(() => document.querySelectorAll('#alerts .alert').forEach((a) => a.remove()));
});

flow('an API key is refused for a browser socket with a typed error (4021)', async () => {
  await page.click('#sign-out');
  await page.waitForSelector('#signin:not([hidden])');
  await page.fill('#api-key', config.apiKey);
  await page.click('#apikey-button');
  const alert = await alertWith('4021');
  assert.match(await alert.textContent(), /TransportError · code 4021/);
  assert.match(await alert.textContent(), /API key cannot authenticate the WebSocket/);
  await shot('09-api-key-refused');
  await page.evaluate(() => document.querySelectorAll('#alerts .alert').forEach((a) => a.remove()));
  await signIn();
});

flow('chat: streaming transcript with thinking, a vision attachment and a tool call that renders an image', async () => {
  await openTab('chat');
  // Without `sogni.chat` (SDK builds before chat) the panel is a clearly marked placeholder.
  await page.evaluate(() => {
    Object.defineProperty(window.sogniDemo.sogni, 'chat', { value: undefined, configurable: true });
    window.sogniDemo.refreshChat();
  });
  assert.equal(await page.isVisible('#chat-unavailable'), true);
  assert.equal(await page.isDisabled('#chat-send'), true);
  await shot('10-chat-placeholder');
  await page.evaluate(() => {
    delete window.sogniDemo.sogni.chat; // the SDK's own getter again
    window.sogniDemo.refreshChat();
  });
  await page.waitForSelector('#chat-send:not([disabled])');
  assert.equal(await page.isVisible('#chat-unavailable'), false);
  await page.waitForFunction(() => /— \d+ workers/.test(document.querySelector('#chat-model option:checked')?.textContent));
  await page.check('#chat-think');
  await page.selectOption('#chat-profile', 'reasoning');
  await dropImage('.chat-attach', 'orange');
  await page.waitForSelector('.chat-attach .drop-preview img');
  await page.fill('#chat-input', 'Use the generate_image tool to draw a lighthouse in this colour');
  await page.waitForFunction(() => /Cost: at most about/.test(document.querySelector('#chat-estimate').textContent));
  await page.click('#chat-send');
  await page.waitForSelector('#chat-log .msg.user img.attachment');
  // The model streams, calls the tool; the page renders its image inline and the model answers.
  await page.waitForSelector('#chat-log .tool-card[data-tool="generate_image"] img', { timeout: FLOW_TIMEOUT });
  await page.waitForSelector('#chat-send:not([disabled])', { timeout: FLOW_TIMEOUT });
  const turns = await page.$$eval('#chat-log .msg.assistant', (ms) =>
    ms.map((m) => ({ answer: m.querySelector('.answer').textContent, thinking: m.querySelector('.thinking:not([hidden])')?.textContent || '', finish: m.dataset.finishReason, tools: m.querySelectorAll('.tool-card').length }))
  );
  assert.equal(turns.length, 2, JSON.stringify(turns));
  assert.equal(turns[0].finish, 'tool_calls');
  assert.equal(turns[0].tools, 1);
  assert.ok(turns[1].answer.length > 0, 'the answer to the tool result streamed in');
  assert.ok(turns.some((t) => t.thinking.length > 0), 'thinking is shown apart from the answer');
  assert.ok(turns.every((t) => !t.answer.includes('<think>')), 'no raw <think> tags in answers');
  assert.equal(await page.locator('#alerts .alert').count(), 0);
  await page.addStyleTag({ content: '.chat-log { max-height: none !important; }' }); // the whole transcript in the picture
  await shot('11-chat');
});

flow('settings: other endpoints; an unreachable server is reported, then back to the emulator', async () => {
  await page.click('#settings-toggle');
  await page.waitForSelector('#settings:not([hidden])');
  await page.check('input[name=target][value=supernet]');
  assert.equal(await page.inputValue('#rest-endpoint'), 'https://api.sogni.ai');
  assert.equal(await page.inputValue('#socket-endpoint'), 'wss://socket.sogni.ai');
  await page.check('input[name=target][value=custom]');
  await page.fill('#rest-endpoint', 'http://127.0.0.1:9');
  await page.fill('#socket-endpoint', 'ws://127.0.0.1:9');
  await page.click('#settings-form button[type=submit]');
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.textContent('#target-label'), '127.0.0.1:9');
  await page.fill('#username', 'someone');
  await page.fill('#password', 'secret');
  await page.click('#login-button');
  const alert = page.locator('#alerts .alert[data-name="TransportError"]').first();
  await alert.waitFor();
  assert.match(await alert.textContent(), /Sign-in failed/);
  await shot('12-settings-unreachable');
  // Back to the emulator, signing in with the server's HttpOnly session cookie this time:
  // a reload finds the session again (checkAuth).
  await page.click('#settings-toggle');
  await page.check('input[name=target][value=emulator]');
  await page.selectOption('#auth-type', 'cookies');
  await page.click('#settings-form button[type=submit]');
  await page.evaluate(() => document.querySelectorAll('#alerts .alert').forEach((a) => a.remove()));
  await signIn();
  await page.waitForSelector('#conn[data-state="connected"]');
  await page.reload();
  await page.waitForSelector('#balance-spark');
  assert.equal(await page.textContent('#account-name'), config.username);
  await page.waitForSelector('#conn[data-state="connected"]');
});

flow('phone width: one column, nothing wider than the screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const tab of ['image', 'video']) {
    await openTab(tab);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${tab} panel overflows by ${overflow}px`);
  }
  await openTab('image');
  await page.waitForFunction(() => /Cost: about/.test(document.querySelector('#image-estimate').textContent));
  await shot('13-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('every form control has a label', async () => {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')].filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')).map((e) => e.id || e.name || e.outerHTML)
  );
  assert.deepEqual(unlabelled, []);
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
