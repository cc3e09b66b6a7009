// The packed sogni-wasm package (pkg/, built by `cargo xtask pkg`) in Node 22 against the
// emulator: the official SDK's API names and behaviour, typed errors, no unhandled rejections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG_4x4 } from './media.mjs';
import { PKG, endpoints, sdk } from './harness.mjs';

const { REST, base, stats } = endpoints();
const { SogniClient, ValidationError, ApiError, SogniError, TransportError } = sdk;

const appId = () => `pkg-${Math.random().toString(36).slice(2)}`;

test('bad config is a ValidationError with a code, before any traffic', async () => {
  const before = await stats();
  for (const config of [undefined, {}, { ...base, appId: '' }, { ...base, appId: 'a', network: 'turbo' }]) {
    await assert.rejects(SogniClient.createInstance(config), (e) => {
      assert.ok(e instanceof ValidationError && e instanceof SogniError && e instanceof Error);
      assert.equal(e.code, 'INVALID_CONFIG');
      assert.equal(e.retryable, false);
      return true;
    });
  }
  const after = await stats();
  assert.equal(after.connections, before.connections, 'no socket was opened');
});

test('API key: socket auth, models, balance and me', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key', network: 'fast' });
  try {
    const models = await sogni.projects.waitForModels();
    const flux = models.find((m) => m.id === 'flux1-schnell-fp8');
    assert.ok(flux && flux.workerCount > 0 && flux.media === 'image' && typeof flux.name === 'string');
    assert.deepEqual(sogni.projects.availableModels, models);
    assert.ok(Number(sogni.currentAccount.balance.spark.net) > 0);
    const me = await sogni.account.me();
    assert.equal(me.username, 'demo');
    assert.equal(sogni.currentAccount.username, 'demo');
    assert.equal(sogni.currentAccount.isAuthenticated, true);
    const presets = await sogni.projects.getSizePresets('fast', 'flux1-schnell-fp8');
    assert.ok(presets.some((p) => p.id === 'square_hd' && p.width === 1024));
    assert.equal(await sogni.account.switchNetwork('relaxed'), 'relaxed');
    assert.equal(sogni.currentAccount.network, 'relaxed');
  } finally {
    sogni.dispose();
  }
});

test('username/password login signs an EIP-712 nonce; a wrong password is an ApiError', async () => {
  const bad = await SogniClient.createInstance({ ...base, appId: appId() });
  await assert.rejects(bad.account.login('demo', 'wrong'), (e) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 401);
    assert.equal(e.payload.status, 'error');
    return true;
  });
  bad.dispose();
  const sogni = await SogniClient.createInstance({ ...base, appId: appId() });
  try {
    const data = await sogni.account.login('demo', 'demo-password');
    assert.equal(data.username, 'demo');
    assert.equal(data.token.split('.').length, 3);
    const models = await sogni.projects.waitForModels();
    assert.ok(models.length > 0, 'the socket authenticated with the token');
    await sogni.account.logout();
    assert.equal(sogni.currentAccount.isAuthenticated, false);
    await assert.rejects(sogni.account.me(), ApiError);
  } finally {
    sogni.dispose();
  }
});

test('a bad API key: background failures become an error event, never an unhandled rejection', async () => {
  const logged = [];
  const logger = { error: (m) => logged.push(m), warn: (m) => logged.push(m), info() {}, debug() {} };
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'nope', logger });
  const errors = [];
  sogni.on('error', (e) => errors.push(e));
  // The socket is refused with 4021: the wait fails at once with that code, not a timeout.
  // Refused either by the socket (4021) or by the 401 on /me: an auth error, at once.
  await assert.rejects(sogni.projects.waitForModels(3000), (e) => {
    assert.ok(e instanceof TransportError, `${e}`);
    assert.equal(e.code, 4021);
    assert.equal(e.retryable, false);
    return true;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(errors.some((e) => e instanceof ApiError && e.status === 401), 'the failed /me surfaced as an error event');
  assert.ok(logged.some((m) => /Invalid API key/.test(m)), `the config's logger got it: ${logged}`);
  assert.ok(logged.every((m) => !m.includes('nope')), 'the key itself is never logged');
  sogni.dispose();
});

test('dispose settles pending waits', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  const waiting = sogni.projects.waitForModels(60_000);
  sogni.dispose();
  await assert.rejects(waiting, SogniError);
});

const imageParams = (extra = {}) => ({
  type: 'image',
  modelId: 'flux1-schnell-fp8',
  positivePrompt: 'a pkg test',
  numberOfMedia: 1,
  steps: 4,
  sizePreset: 'custom',
  width: 256,
  height: 256,
  ...extra
});

test('project, job and feed events follow the official names and shapes', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  try {
    await sogni.projects.waitForModels();
    const feed = [];
    sogni.projects.on('project', (e) => feed.push(['project', e.type]));
    sogni.projects.on('job', (e) => feed.push(['job', e.type, e]));
    const project = await sogni.projects.create(imageParams({ numberOfPreviews: 2, seed: 7 }));
    const seen = [];
    for (const ev of ['progress', 'jobStarted', 'jobCompleted', 'completed']) project.on(ev, () => seen.push(ev));
    const urls = await project.waitForCompletion();
    assert.equal(urls.length, 1);
    assert.equal(project.status, 'completed');
    assert.equal(project.progress, 100);
    const [job] = project.jobs;
    assert.equal(job.status, 'completed');
    assert.equal(job.seed, 7);
    assert.equal(job.resultUrl, urls[0]);
    assert.ok(job.previewUrl, 'a preview arrived');
    for (const ev of ['progress', 'jobStarted', 'jobCompleted', 'completed']) assert.ok(seen.includes(ev), `project emitted ${ev}`);
    const types = feed.map(([ch, t]) => `${ch}:${t}`);
    for (const t of ['project:queued', 'job:initiating', 'job:started', 'job:progress', 'job:preview', 'job:completed', 'project:completed']) {
      assert.ok(types.includes(t), `feed has ${t} (got ${types.join(',')})`);
    }
    const completed = feed.find(([ch, t]) => ch === 'job' && t === 'completed')[2];
    assert.equal(completed.resultUrl, urls[0]);
    assert.equal(completed.projectId, project.id);
  } finally {
    sogni.dispose();
  }
});

test('references as Buffer, Uint8Array, ArrayBuffer and Blob all upload', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  try {
    await sogni.projects.waitForModels();
    const u8 = new Uint8Array(PNG_4x4);
    for (const startingImage of [PNG_4x4, u8, u8.buffer.slice(0), new Blob([PNG_4x4], { type: 'image/png' })]) {
      const before = (await stats()).uploads;
      const project = await sogni.projects.create(imageParams({ startingImage, startingImageStrength: 0.7 }));
      assert.equal((await stats()).uploads, before + 1, 'one PUT to the presigned URL');
      assert.equal((await project.waitForCompletion()).length, 1);
    }
    await assert.rejects(sogni.projects.create(imageParams({ startingImage: 'not-an-image' })), (e) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.code, 'INVALID_MEDIA');
      return true;
    });
  } finally {
    sogni.dispose();
  }
});

test('bad params are ValidationErrors with stable codes and nothing reaches the server', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  try {
    await sogni.projects.waitForModels();
    const before = await stats();
    const cases = [
      [{ modelId: 'no-such-model' }, 'INVALID_MODEL'],
      [{ steps: 999 }, 'INVALID_STEPS'],
      [{ width: 100 }, 'INVALID_SIZE'],
      [{ sampler: 'not-a-sampler' }, 'INVALID_SAMPLER'],
      [{ seed: -1 }, 'INVALID_SEED'],
      [{ type: 'hologram' }, 'INVALID_PROJECT_TYPE']
    ];
    for (const [extra, code] of cases) {
      await assert.rejects(sogni.projects.create(imageParams(extra)), (e) => {
        assert.ok(e instanceof ValidationError, `${JSON.stringify(extra)}: ${e}`);
        assert.equal(e.code, code, `${JSON.stringify(extra)}: ${e.message}`);
        return true;
      });
    }
    const after = await stats();
    assert.equal(after.jobRequests, before.jobRequests, 'no jobRequest was sent');
  } finally {
    sogni.dispose();
  }
});

test('cancel is confirmed and waitForCompletion rejects with AbortError; a signal aborts a wait', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  try {
    await sogni.projects.waitForModels();
    const project = await sogni.projects.create(imageParams({ steps: 12, numberOfMedia: 2 }));
    const done = project.waitForCompletion();
    await new Promise((resolve) => project.once('progress', resolve));
    await project.cancel();
    assert.equal(project.status, 'canceled');
    await assert.rejects(done, (e) => e instanceof sdk.AbortError && e.retryable === false);

    const other = await sogni.projects.create(imageParams({ steps: 12 }));
    const controller = new AbortController();
    const waiting = other.waitForCompletion(controller.signal);
    controller.abort();
    await assert.rejects(waiting, sdk.AbortError);
    assert.equal((await other.waitForCompletion()).length, 1, 'the project itself went on');
  } finally {
    sogni.dispose();
  }
});

test('an expired access token is refreshed once before REST and the socket; a spent refresh token signs out', async () => {
  const first = await SogniClient.createInstance({ ...base, appId: appId() });
  const { refreshToken } = await first.account.login('demo', 'demo-password');
  first.dispose();
  // Only `exp` is read client-side: an access token that expired long ago.
  const expired = `e30.${Buffer.from(JSON.stringify({ exp: 1 })).toString('base64url')}.sig`;
  const sogni = await SogniClient.createInstance({ ...base, appId: appId() });
  try {
    await sogni.setTokens({ token: expired, refreshToken });
    const [me, models] = await Promise.all([sogni.account.me(), sogni.projects.waitForModels()]);
    assert.equal(me.username, 'demo');
    assert.ok(models.length > 0, 'the socket upgrade carried the refreshed token');
  } finally {
    sogni.dispose();
  }
  // The emulator rotates refresh tokens: the spent one is refused and the client signs out.
  const again = await SogniClient.createInstance({ ...base, appId: appId() });
  await assert.rejects(again.setTokens({ token: expired, refreshToken }), (e) => e instanceof ApiError && e.status === 401);
  assert.equal(again.currentAccount.isAuthenticated, false);
  again.dispose();
});

test('getModelOptions gives the tier-derived options; dispose settles a waiting project', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  await sogni.projects.waitForModels();
  const options = await sogni.projects.getModelOptions('flux1-schnell-fp8');
  assert.equal(options.type, 'image');
  assert.ok(options.steps.max >= options.steps.default && options.steps.default >= options.steps.min);
  await assert.rejects(sogni.projects.getModelOptions('nope'), (e) => e instanceof ValidationError && e.code === 'INVALID_MODEL');
  const project = await sogni.projects.create(imageParams({ steps: 12 }));
  const waiting = project.waitForCompletion();
  sogni.dispose();
  await assert.rejects(waiting, SogniError);
  assert.equal(project.finished, true);
});

test('a ControlNet image and context images upload into their own slots', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  try {
    await sogni.projects.waitForModels();
    const before = (await stats()).uploads;
    const project = await sogni.projects.create(
      imageParams({ controlNet: { name: 'canny', image: PNG_4x4, strength: 0.6, mode: 'balanced' } })
    );
    assert.equal((await project.waitForCompletion()).length, 1);
    const edit = await sogni.projects.create(
      imageParams({ modelId: 'qwen_image_edit_2511_fp8_lightning', steps: 4, contextImages: [PNG_4x4, new Blob([PNG_4x4])] })
    );
    assert.equal((await edit.waitForCompletion()).length, 1);
    assert.equal((await stats()).uploads, before + 3, 'cnImage + contextImage1 + contextImage2');
  } finally {
    sogni.dispose();
  }
});

test('the Node entry loads by require() too (no top-level await), as the same module', async () => {
  const { createRequire } = await import('node:module');
  const required = createRequire(import.meta.url)(new URL(PKG).pathname);
  assert.equal(required.SogniClient, SogniClient, 'require() and import give the same classes');
  assert.equal(required.ValidationError, ValidationError);
  assert.deepEqual(Object.keys(required).sort(), Object.keys(sdk).sort());
});

test("Node's SogniTools (read from sogni-tools.json on first use) equal the browser module's", async () => {
  const web = await import(new URL('sogni-tools.js', PKG).href);
  assert.notEqual(web.SogniTools, sdk.SogniTools, 'Node loads its own tools module');
  assert.deepEqual(sdk.SogniTools.all, web.SogniTools.all);
  assert.ok(sdk.SogniTools.all.length >= 24);
  assert.deepEqual(sdk.SogniTools.editImage, web.SogniTools.editImage);
  assert.equal(sdk.SogniTools.editImage.function.name, 'edit_image');
});

test('npm pack ships every file the entries load', async () => {
  const { execFileSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const dir = new URL('.', PKG);
  const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' }));
  const packed = new Set(files.map((f) => f.path));
  // Every relative module or `new URL('./…', import.meta.url)` asset, from each entry on.
  const queue = ['node.js', 'browser.js', 'workerd.js'];
  const seen = new Set();
  while (queue.length) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    assert.ok(packed.has(file), `${file} is loaded but not packed`);
    if (!file.endsWith('.js')) continue;
    const source = readFileSync(new URL(file, dir), 'utf8');
    for (const m of source.matchAll(/(?:from\s*|import\s*\(?\s*|new URL\(\s*)['"]\.\/([^'"]+)['"]/g)) queue.push(m[1]);
  }
  for (const needed of ['sogni_wasm.js', 'sogni_wasm_bg.wasm', 'sogni-tools.js', 'sogni-tools-node.js', 'sogni-tools.json']) {
    assert.ok(seen.has(needed), `${needed} is reached from an entry`);
  }
  assert.ok(packed.has('index.d.ts') && packed.has('sogni_wasm.d.ts'));
});
