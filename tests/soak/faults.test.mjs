// sogni-wasm (pkg/node.js) against single injected faults, one behaviour per test: reconnect
// with backoff, work held until `authenticated`, a lost request resent once, 1001
// resubmits, the watchdog, REST retries with Retry-After, terminal closes, confirmed cancel,
// AbortSignal, typed errors, no unhandled rejection and no secret in any log line.
// Run by `cargo xtask test soak` against the soak emulator (tests/soak/emulator.json).
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';

const REST = process.env.SOGNI_REST_ENDPOINT;
const SOCKET = process.env.SOGNI_SOCKET_ENDPOINT;
if (!REST || !SOCKET) throw new Error('run through `cargo xtask test soak` (SOGNI_REST_ENDPOINT is not set)');
const PKG = process.env.SOGNI_PKG || new URL('../../pkg/node.js', import.meta.url).href;
const sdk = await import(PKG);
const { SogniClient, SogniError, ApiError, AbortError, TransportError, JobError } = sdk;

const KEY = 'soak-api-key';
const unhandled = [];
process.on('unhandledRejection', (r) => unhandled.push(r));
const logs = [];
const logger = {
  error: (m) => logs.push(String(m)),
  warn: (m) => logs.push(String(m)),
  info: (m) => logs.push(String(m)),
  debug: (m) => logs.push(String(m))
};
after(() => {
  assert.deepEqual(unhandled, [], 'no unhandled rejections');
  assert.ok(logs.length > 0, 'the logger was used');
  assert.deepEqual(logs.filter((m) => m.includes(KEY)), [], 'the API key is never logged');
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const json = (path, init) => fetch(`${REST}${path}`, init).then((r) => r.json());
const scenario = (rules) => json('/emulator/faults', { method: 'POST', body: JSON.stringify({ rules }) });
const now = (action) => json('/emulator/faults/now', { method: 'POST', body: JSON.stringify(action) });
const report = () => json('/emulator/faults');
const stats = () => json('/emulator/stats');
const requestsOf = async (appId) => (await json(`/emulator/requests?appId=${encodeURIComponent(appId)}`)).jobRequests;
afterEach(() => fetch(`${REST}/emulator/faults`, { method: 'DELETE' }));

let n = 0;
const appIdOf = () => `faults-${process.pid}-${++n}`;
const tuning = { staleMs: 600, authenticatedGraceMs: 300, recentlyCreatedGraceMs: 400, offlinePollMs: 300 };

async function client(extra = {}) {
  const appId = appIdOf();
  const sogni = await SogniClient.createInstance({
    appId,
    network: 'fast',
    restEndpoint: REST,
    socketEndpoint: SOCKET,
    apiKey: KEY,
    logLevel: 'debug',
    logger,
    _recoveryTuning: tuning,
    ...extra
  });
  await sogni.projects.waitForModels();
  return { sogni, appId };
}

const params = (extra = {}) => ({
  type: 'image',
  modelId: 'flux1-schnell-fp8',
  positivePrompt: 'a fault test',
  numberOfMedia: 2,
  steps: 4,
  sizePreset: 'custom',
  width: 256,
  height: 256,
  ...extra
});

async function allFetchable(urls) {
  for (const url of urls) {
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    assert.ok((await res.arrayBuffer()).byteLength > 0);
  }
}

test('a dropped socket reconnects after a jittered ~1 s backoff and the projects in flight finish', async () => {
  const { sogni, appId } = await client();
  try {
    const events = [];
    sogni.apiClient.on('connecting', () => events.push(['connecting', Date.now()]));
    sogni.apiClient.on('connected', () => events.push(['connected', Date.now()]));
    const projects = await Promise.all([1, 2, 3].map(() => sogni.projects.create(params({ steps: 12 }))));
    const done = projects.map((p) => p.waitForCompletion());
    await new Promise((r) => projects[0].once('progress', r));
    const droppedAt = Date.now();
    assert.equal((await now({ kind: 'drop', appId })).affected, 1);
    const results = await Promise.all(done);
    for (const urls of results) {
      assert.equal(urls.length, 2);
      await allFetchable(urls);
    }
    const reconnected = events.find(([e, t]) => e === 'connected' && t > droppedAt);
    assert.ok(reconnected, `reconnected: ${JSON.stringify(events)}`);
    assert.ok(reconnected[1] - droppedAt >= 700, `waited for the backoff (${reconnected[1] - droppedAt} ms)`);
    assert.equal((await requestsOf(appId)).length, 3, 'each project was sent once');
  } finally {
    sogni.dispose();
  }
});

test('work created while the socket is down waits for `authenticated` and is sent once', async () => {
  const { sogni, appId } = await client();
  try {
    await now({ kind: 'close', code: 1001, reason: 'server restarting', appId });
    const project = await sogni.projects.create(params());
    assert.equal((await project.waitForCompletion()).length, 2);
    assert.equal((await requestsOf(appId)).length, 1);
    assert.equal((await report()).duplicateJobRequests, 0);
  } finally {
    sogni.dispose();
  }
});

test('a request lost with its connection is sent again, and only once', async () => {
  const { sogni, appId } = await client();
  try {
    await scenario([{ kind: 'swallow', type: 'jobRequest', appId, count: 1 }]);
    const project = await sogni.projects.create(params());
    const urls = await project.waitForCompletion();
    assert.equal(urls.length, 2);
    const r = await report();
    assert.deepEqual(r.swallowedRequests, [project.id]);
    assert.equal(r.duplicateJobRequests, 0);
    assert.equal((await requestsOf(appId)).length, 1, 'the resend is the only copy the server processed');
    assert.ok(logs.some((m) => m.includes(project.id) && /sending it again/.test(m)));
  } finally {
    sogni.dispose();
  }
});

test('a request refused while the server restarts (1001) is resubmitted after the reconnect', async () => {
  const { sogni, appId } = await client();
  try {
    await scenario([{ kind: 'restart', type: 'jobRequest', appId, count: 1 }]);
    const project = await sogni.projects.create(params());
    assert.equal((await project.waitForCompletion()).length, 2);
    const r = await report();
    assert.deepEqual(r.restartedRequests, [project.id]);
    assert.equal(r.duplicateJobRequests, 0);
  } finally {
    sogni.dispose();
  }
});

test('the watchdog recovers a lost jobResult and a lost jobCompleted from the project record', async () => {
  const { sogni, appId } = await client();
  try {
    await scenario([
      { kind: 'lose', type: 'jobResult', appId, count: 1 },
      { kind: 'lose', type: 'jobState/jobCompleted', appId, after: 1, count: 1 }
    ]);
    const a = await sogni.projects.create(params());
    const b = await sogni.projects.create(params());
    const [ua, ub] = await Promise.all([a.waitForCompletion(), b.waitForCompletion()]);
    assert.equal(ua.length, 2);
    assert.equal(ub.length, 2);
    await allFetchable([...ua, ...ub]);
    assert.equal((await report()).fired.lose, 2);
  } finally {
    sogni.dispose();
  }
});

test('a jobCompleted whose job frames were all lost still resolves with every result', async () => {
  // What a dropped connection does to a project in flight: its job frames went to the old
  // socket, its jobCompleted comes on the new one. The record fills in the jobs first.
  const { sogni, appId } = await client();
  try {
    const lost = ['jobState/initiatingModel', 'jobState/jobStarted', 'jobProgress', 'jobETA', 'jobResult'];
    await scenario(lost.map((type) => ({ kind: 'lose', type, appId })));
    const project = await sogni.projects.create(params());
    const urls = await project.waitForCompletion();
    assert.equal(urls.length, 2, 'both results, not an empty list');
    assert.equal(project.jobs.length, 2);
    assert.ok(project.jobs.every((j) => j.status === 'completed' && j.resultUrl));
    await allFetchable(urls);
    assert.ok((await report()).fired.lose >= 2, 'the job frames were lost');
  } finally {
    sogni.dispose();
  }
});

test('duplicate, reordered, delayed and malformed frames change nothing', async () => {
  const { sogni, appId } = await client();
  try {
    await scenario([
      { kind: 'duplicate', type: 'jobResult', appId },
      { kind: 'reorder', type: 'jobProgress', appId, every: 2 },
      { kind: 'delay', type: 'jobState/jobStarted', appId, ms: 150 },
      { kind: 'malformed', type: 'jobETA', appId, variant: 'badBase64', every: 3 },
      { kind: 'malformed', type: 'jobProgress', appId, variant: 'unknownType', every: 3 },
      { kind: 'malformed', type: 'jobETA', appId, variant: 'missingData', every: 2 },
      { kind: 'malformed', type: 'jobETA', appId, variant: 'nullData' }
    ]);
    const project = await sogni.projects.create(params({ numberOfMedia: 3 }));
    const completed = [];
    project.on('jobCompleted', (job) => completed.push(job.id));
    const urls = await project.waitForCompletion();
    assert.equal(urls.length, 3);
    assert.equal(new Set(completed).size, 3);
    assert.equal(completed.length, 3, 'a duplicated result completes its job once');
    assert.equal(project.status, 'completed');
    assert.ok(logs.some((m) => /Failed to parse WebSocket message/.test(m)));
  } finally {
    sogni.dispose();
  }
});

test('idempotent REST calls are retried on 429/5xx, honouring Retry-After; others are not', async () => {
  const { sogni } = await client();
  try {
    await scenario([{ kind: 'http', path: '/v1/account/me', status: 429, retryAfter: 1, count: 1 }]);
    let t = Date.now();
    assert.equal((await sogni.account.me()).username, 'soak');
    assert.ok(Date.now() - t >= 950, `waited for Retry-After (${Date.now() - t} ms)`);
    await scenario([{ kind: 'http', path: '/v4/account/balance', status: 503, count: 2 }]);
    assert.ok((await sogni.account.refreshBalance()).spark);
    await scenario([{ kind: 'http', path: '/v4/account/balance', status: 503 }]);
    await assert.rejects(sogni.account.refreshBalance(), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 503);
      assert.equal(e.retryable, true);
      return true;
    });
    assert.equal((await report()).fired['http 503'], 4, 'four attempts, then the error');
    // A Retry-After longer than the budget goes to the caller.
    await scenario([{ kind: 'http', path: '/v1/account/me', status: 429, retryAfter: 120 }]);
    t = Date.now();
    await assert.rejects(sogni.account.me(), (e) => e instanceof ApiError && e.status === 429 && e.retryAfter === 120);
    assert.ok(Date.now() - t < 5000);
    // POST is never repeated.
    await scenario([{ kind: 'http', path: '/api/v1/job/estimate', status: 503 }, { kind: 'http', path: '/v1/account/logout', status: 503 }]);
    await assert.rejects(sogni.account.logout(), (e) => e instanceof ApiError && e.status === 503);
    assert.equal((await report()).fired['http 503'], 1);
  } finally {
    sogni.dispose();
  }
});

test('uploads and result URLs survive failing and slow endpoints', async () => {
  const { sogni } = await client();
  try {
    await scenario([
      { kind: 'http', path: '/v1/image/uploadUrl', status: 503, count: 1 },
      { kind: 'http', path: '/storage/', method: 'PUT', status: 500, count: 1 },
      { kind: 'http', path: '/storage/', method: 'PUT', ms: 300, count: 1 },
      { kind: 'http', path: '/v1/image/downloadUrl', status: 500, count: 2 }
    ]);
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d494844520000000400000004080200000026930929000000104944415478' +
        '9c6378c6c505470cc47100a4430fa1f3bddfbe0000000049454e44ae426082',
      'hex'
    );
    const project = await sogni.projects.create(params({ startingImage: png, startingImageStrength: 0.5 }));
    const urls = await project.waitForCompletion();
    assert.equal(urls.length, 2);
    await allFetchable(urls);
    const fired = (await report()).fired;
    assert.equal(fired['http 503'], 1);
    assert.equal(fired['http 500'], 3);
  } finally {
    sogni.dispose();
  }
});

test('a server close 1000 or 4015 keeps the credentials and the projects, which finish over REST', async () => {
  for (const code of [1000, 4015]) {
    const { sogni, appId } = await client();
    try {
      const disconnected = [];
      sogni.apiClient.on('disconnected', (e) => disconnected.push(e.code));
      const projects = await Promise.all([1, 2].map(() => sogni.projects.create(params({ steps: 12 }))));
      const done = projects.map((p) => p.waitForCompletion());
      await new Promise((r) => projects[0].once('progress', r));
      const before = (await stats()).connections;
      await now({ kind: 'close', code, reason: 'closed by the test', appId });
      for (const urls of await Promise.all(done)) assert.equal(urls.length, 2);
      assert.deepEqual(disconnected, [code]);
      assert.equal((await stats()).connections, before, 'no reconnect on a terminal close');
      assert.equal(sogni.currentAccount.isAuthenticated, true);
      // New work opens a new connection.
      const next = await sogni.projects.create(params());
      assert.equal((await next.waitForCompletion()).length, 2);
      assert.equal((await stats()).connections, before + 1);
    } finally {
      sogni.dispose();
    }
  }
});

test('4021 and a REST 401 reject what waits with typed errors and sign out', async () => {
  {
    const { sogni, appId } = await client();
    const project = await sogni.projects.create(params({ steps: 12 }));
    const done = project.waitForCompletion();
    await now({ kind: 'close', code: 4021, reason: 'Authentication failed', appId });
    await assert.rejects(done, (e) => e instanceof TransportError && e.code === 4021 && e.retryable === false);
    assert.equal(sogni.currentAccount.isAuthenticated, false);
    await assert.rejects(sogni.projects.create(params()), SogniError);
    sogni.dispose();
  }
  {
    const { sogni } = await client();
    await scenario([{ kind: 'http', path: '/v1/image/downloadUrl', status: 401, count: 1 }]);
    const project = await sogni.projects.create(params());
    await assert.rejects(project.waitForCompletion(), SogniError);
    assert.equal(sogni.currentAccount.isAuthenticated, false);
    sogni.dispose();
  }
});

test('a worker that never finishes: cancel is confirmed and the wait rejects', async () => {
  const { sogni, appId } = await client();
  try {
    await scenario([{ kind: 'stall', appId, count: 1 }]);
    const project = await sogni.projects.create(params({ numberOfMedia: 1 }));
    const done = project.waitForCompletion();
    await new Promise((r) => project.once('jobStarted', r));
    // A drop while the cancel goes out: it waits for the reconnect, then is confirmed.
    await now({ kind: 'drop', appId });
    await project.cancel(AbortSignal.timeout(20_000));
    assert.equal(project.status, 'canceled');
    await assert.rejects(done, (e) => e instanceof AbortError);
    assert.deepEqual((await report()).stalledProjects, [project.id]);
  } finally {
    sogni.dispose();
  }
});

test('AbortSignal: every async call takes one; an aborted create sends nothing', async () => {
  const { sogni, appId } = await client();
  try {
    const aborted = AbortSignal.abort();
    const before = await stats();
    await assert.rejects(sogni.projects.create({ ...params(), signal: aborted }), AbortError);
    // Aborted while it waits for the socket: still nothing is sent.
    await now({ kind: 'close', code: 1001, reason: 'server restarting', appId });
    const c = new AbortController();
    const pending = sogni.projects.create({ ...params(), signal: c.signal });
    c.abort();
    await assert.rejects(pending, AbortError);
    await sleep(1500);
    assert.equal((await stats()).jobRequests, before.jobRequests, 'no jobRequest went out');
    assert.equal((await requestsOf(appId)).length, 0);
    const calls = [
      () => sogni.projects.waitForModels(10_000, aborted),
      () => sogni.projects.getSupportedModels(aborted),
      () => sogni.projects.getModelOptions('flux1-schnell-fp8', aborted),
      () => sogni.projects.getSizePresets('fast', 'flux1-schnell-fp8', aborted),
      () => sogni.projects.getAvailableModels('fast', aborted),
      () => sogni.projects.estimateCost({ network: 'fast', model: 'flux1-schnell-fp8', imageCount: 1, stepCount: 4, previewCount: 0 }, aborted),
      () => sogni.account.me(aborted),
      () => sogni.account.refreshBalance(aborted),
      () => sogni.account.switchNetwork('fast', aborted)
    ];
    for (const call of calls) await assert.rejects(call(), (e) => e instanceof AbortError && e.code === 'ABORTED', String(call));
    // A signal that fires later aborts a call in flight.
    await scenario([{ kind: 'http', path: '/v1/account/me', ms: 2000 }]);
    const t = Date.now();
    await assert.rejects(sogni.account.me(AbortSignal.timeout(200)), AbortError);
    assert.ok(Date.now() - t < 1500);
    const project = await sogni.projects.create(params());
    await assert.rejects(project.waitForCompletion(AbortSignal.abort()), AbortError);
    assert.equal((await project.waitForCompletion()).length, 2);
    const job = project.jobs[0];
    await assert.rejects(job.getResultUrl(AbortSignal.abort()), AbortError);
    assert.match(await job.getResultUrl(), /^http/);
  } finally {
    sogni.dispose();
  }
});

test('a failing account load at start is an `error` event, never an unhandled rejection', async () => {
  await scenario([{ kind: 'http', path: '/v1/account/me', status: 500, count: 4 }]);
  const appId = appIdOf();
  const sogni = await SogniClient.createInstance({ appId, restEndpoint: REST, socketEndpoint: SOCKET, apiKey: KEY, logger });
  const errors = [];
  sogni.on('error', (e) => errors.push(e));
  for (let i = 0; i < 50 && errors.length === 0; i++) await sleep(100);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof ApiError && errors[0].status === 500 && errors[0].retryable);
  assert.ok(!String(errors[0].message).includes(KEY));
  await sogni.projects.waitForModels();
  const project = await sogni.projects.create(params());
  assert.equal((await project.waitForCompletion()).length, 2);
  sogni.dispose();
});

test('JobError is what a failed job rejects with', () => {
  assert.ok(JobError.prototype instanceof SogniError);
});
