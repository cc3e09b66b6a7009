// The packed sogni-wasm package (pkg/, built by `cargo xtask pkg`) in Node 22 against the
// emulator: the official SDK's API names and behaviour, typed errors, no unhandled rejections.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';

const REST = process.env.SOGNI_REST_ENDPOINT;
const SOCKET = process.env.SOGNI_SOCKET_ENDPOINT;
if (!REST || !SOCKET) throw new Error('run through `cargo xtask test` (SOGNI_REST_ENDPOINT is not set)');
const PKG = process.env.SOGNI_PKG || new URL('../../pkg/node.js', import.meta.url).href;
const sdk = await import(PKG);
const { SogniClient, ValidationError, ApiError, SogniError, TransportError } = sdk;

const unhandled = [];
process.on('unhandledRejection', (r) => unhandled.push(r));
after(() => assert.deepEqual(unhandled, [], 'no unhandled rejections'));

const base = { restEndpoint: REST, socketEndpoint: SOCKET, logLevel: 'error' };
const appId = () => `pkg-${Math.random().toString(36).slice(2)}`;
const stats = async () => (await fetch(`${REST}/emulator/stats`)).json();

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
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'nope' });
  const errors = [];
  sogni.on('error', (e) => errors.push(e));
  // The socket is refused with 4021: the wait fails at once with that code, not a timeout.
  await assert.rejects(sogni.projects.waitForModels(3000), (e) => {
    assert.ok(e instanceof TransportError, `${e}`);
    assert.equal(e.code, 4021);
    assert.equal(e.retryable, false);
    return true;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(errors.some((e) => e instanceof ApiError && e.status === 401), 'the failed /me surfaced as an error event');
  sogni.dispose();
});

test('dispose settles pending waits', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key' });
  const waiting = sogni.projects.waitForModels(60_000);
  sogni.dispose();
  await assert.rejects(waiting, SogniError);
});
