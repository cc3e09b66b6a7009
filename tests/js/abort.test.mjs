// AbortSignal on every async call of the packed package (pkg/node.js), Node 22:
// 1. the .d.ts: every method returning a Promise on a public class declares a `signal`
//    (a parameter, or an options/params type that has one); the exceptions are listed below
//    with their reason;
// 2. for a representative method of every class, against an emulator of its own: an
//    already-aborted signal rejects with the SDK's AbortError and nothing reaches the
//    emulator (`GET /emulator/requests?http`); aborting mid-flight (an `http` fault delaying
//    the request) rejects promptly with an AbortError, the request is really cancelled (it
//    never reaches a route), and nothing is left unhandled. The SSE readers stop on abort.
//
// The emulator is this file's own (target/release/sogni-emulator, which `cargo xtask test`
// builds before this step; SOGNI_EMULATOR_BIN overrides it): fault rules are global to an
// emulator, and the other test files run at the same time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PKG, sdk, unhandled } from './harness.mjs';

const ROOT = new URL('../../', import.meta.url);
const DTS = new URL('sogni_wasm.d.ts', PKG);
const BIN = process.env.SOGNI_EMULATOR_BIN || fileURLToPath(new URL('target/release/sogni-emulator', ROOT));
const { SogniClient, AbortError, ValidationError } = sdk;

// ---------------------------------------------------------------------------------------
// 1. The .d.ts

/** Promise-returning methods that take no signal, and why. */
const EXCEPTIONS = {
  'ChatStream.next': 'async-iterator protocol: the stream obeys the signal given to chat.completions.create',
  'ChatRunEventStream.next': 'async-iterator protocol: the stream obeys the signal given to chat.runs.streamEvents',
  'WorkflowEventStream.next': 'async-iterator protocol: the stream obeys the signal given to workflows.streamEvents',
  'ChatStream.return': 'async-iterator protocol: closes the stream and settles at once',
  'ChatRunEventStream.return': 'async-iterator protocol: closes the stream and settles at once',
  'WorkflowEventStream.return': 'async-iterator protocol: closes the stream and settles at once',
  'SogniClient.createInstance': 'no I/O and no wait: it validates the config and resolves (abort later work with dispose())',
  'Wallet.signTypedData': 'local EIP-712 signing, no I/O: it settles at once (ethers signature)'
};

/** `signal` parameters whose doc comment does not mention it yet, and why (none left). */
const UNDOCUMENTED = {};

/** `{name: body}` of every interface and type alias of the .d.ts. */
function typeDefinitions(src) {
  const defs = new Map();
  for (const m of src.matchAll(/^export (?:interface|type) (\w+)(?:<[^>{=]*>)?\s*(?:extends ([^{]+))?\s*(=|\{)/gm)) {
    let j = m.index + m[0].length;
    let depth = m[3] === '{' ? 1 : 0;
    if (m[3] === '{') {
      for (; depth && j < src.length; j++) depth += src[j] === '{' ? 1 : src[j] === '}' ? -1 : 0;
    } else {
      for (; j < src.length; j++) {
        if ('{(<['.includes(src[j])) depth++;
        else if ('})>]'.includes(src[j])) depth--;
        else if (src[j] === ';' && depth === 0) break;
      }
    }
    defs.set(m[1], (defs.get(m[1]) ?? '') + (m[2] ?? '') + src.slice(m.index + m[0].length, j));
  }
  return defs;
}

/** Does a parameter list declare a signal, directly or through the types it names? */
function declaresSignal(params, defs, seen = new Set()) {
  if (/\bsignal\??\s*:/.test(params)) return true;
  for (const [name] of params.matchAll(/\b[A-Z]\w*/g)) {
    if (seen.has(name) || !defs.has(name)) continue;
    seen.add(name);
    if (declaresSignal(defs.get(name), defs, seen)) return true;
  }
  return false;
}

/** `[{cls, name, params}]` of the Promise-returning methods of the exported classes (and of
 * the interfaces merged into them, which carry overloads). */
function promiseMethods(src) {
  const classes = new Set([...src.matchAll(/^export class (\w+) /gm)].map((m) => m[1]));
  const out = [];
  for (const m of src.matchAll(/^export (class|interface) (\w+) \{\n([\s\S]*?)^\}/gm)) {
    if (!classes.has(m[2])) continue;
    for (const line of m[3].split('\n')) {
      const sig = line.match(/^\s+(?:static )?(\w+)\((.*)\): (Promise<.*);$/);
      if (sig) out.push({ cls: m[2], name: sig[1], params: sig[2] });
    }
  }
  return out;
}

test('.d.ts: every Promise-returning method of a public class declares a signal', () => {
  const src = readFileSync(DTS, 'utf8');
  const defs = typeDefinitions(src);
  const methods = promiseMethods(src);
  assert.ok(methods.length > 100, `parsed ${methods.length} methods`);
  const missing = methods
    .filter((m) => !EXCEPTIONS[`${m.cls}.${m.name}`] && !declaresSignal(m.params, defs))
    .map((m) => `${m.cls}.${m.name}(${m.params})`);
  assert.deepEqual(missing, [], 'methods without a signal');
  const seen = new Set(methods.map((m) => `${m.cls}.${m.name}`));
  assert.deepEqual(Object.keys(EXCEPTIONS).filter((k) => !seen.has(k)), [], 'stale exceptions');
  // A `signal` parameter is documented in the method's doc comment (an options type
  // documents its own `signal`).
  const undocumented = methods
    .filter((m) => /(^|, )signal\?: AbortSignal/.test(m.params) && !UNDOCUMENTED[`${m.cls}.${m.name}`])
    .filter((m) => {
      const at = src.indexOf(`${m.name}(${m.params})`);
      return !/signal/.test(src.slice(src.lastIndexOf('/**', at), at));
    })
    .map((m) => `${m.cls}.${m.name}`);
  assert.deepEqual(undocumented, [], 'signal parameters without a doc line');
});

// ---------------------------------------------------------------------------------------
// 2. Against an emulator

let emu;
let REST;
let sogni;

async function startEmulator() {
  const child = spawn(BIN, ['--port', '0', '--exit-with-stdin', '--quiet'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', (e) => reject(new Error(`cannot start ${BIN} (run \`cargo xtask test\` once to build it): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
  lines.on('line', () => {});
  const urls = JSON.parse(first.replace(/^SOGNI_EMULATOR /, ''));
  return { child, rest: urls.rest, socket: urls.socket };
}

const admin = (method, path, body) =>
  fetch(`${REST}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) }).then((r) =>
    r.status === 204 ? null : r.json()
  );
/** `[{method, path}]` of the HTTP requests that reached a route so far. */
const httpLog = async () => (await admin('GET', '/emulator/requests?http')).http;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const settled = (p) => p.then((v) => ({ ok: true, v }), (e) => ({ ok: false, e }));

function assertAbortError(e, label) {
  assert.ok(e instanceof AbortError, `${label}: ${e?.name}: ${e?.message}`);
  assert.equal(e.name, 'AbortError', label);
  assert.equal(e.code, 'ABORTED', label);
}

before(async () => {
  emu = await startEmulator();
  REST = emu.rest;
  sogni = await SogniClient.createInstance({
    appId: `abort-${process.pid}`,
    apiKey: 'demo-api-key',
    restEndpoint: emu.rest,
    socketEndpoint: emu.socket,
    logLevel: 'error'
  });
  await sogni.projects.waitForModels(20_000);
  await pause(300); // the start-up requests (account, balance, models) are over
});
after(() => {
  sogni?.dispose();
  emu?.child.stdin.end();
  emu?.child.kill();
});

const WF = 'wf_00000000000000000000000000';
const PROJECT = '5A0C4A94-0C1B-4B8E-9E8B-3A8C6E5C1D00';

/** A representative call of every class: `[label, path prefix it requests, call(signal)]`. */
const CASES = [
  ['stats.leaderboard', '/v1/leaderboard/', (s) => sogni.stats.leaderboard({ type: 'jobCompleteArtist', period: 'day' }, s)],
  ['announcements.active', '/v1/announcements/active', (s) => sogni.announcements.active(undefined, s)],
  ['account.me', '/v1/account/me', (s) => sogni.account.me(s)],
  ['account.transactionHistory', '/v1/transactions/list', (s) => sogni.account.transactionHistory({ status: 'completed', address: '0x0000000000000000000000000000000000000001', limit: 2 }, s)],
  ['account.rewards', '/v4/account/rewards', (s) => sogni.account.rewards(undefined, s)],
  ['account.claimRewards ({signal})', '/v3/account/reward/claim', (s) => sogni.account.claimRewards(['daily-boost'], { signal: s })],
  ['account.getSubscriptionPlans', '/v1/subscriptions/plans', (s) => sogni.account.getSubscriptionPlans(s)],
  ['account.getSubscriptionStatus', '/v1/subscriptions/status', (s) => sogni.account.getSubscriptionStatus(s)],
  ['projects.get', '/v1/projects/', (s) => sogni.projects.get(PROJECT, s)],
  ['projects.getStatus', '/v2/projects/', (s) => sogni.projects.getStatus(PROJECT, s)],
  ['projects.availableLoras', '/v1/loras/comfy', (s) => sogni.projects.availableLoras({ forceRefresh: true }, s)],
  ['projects.personalLoras.list', '/v1/loras/personal', (s) => sogni.projects.personalLoras.list(s)],
  ['projects.assets.list', '/v1/assets', (s) => sogni.projects.assets.list(s)],
  ['workflows.list ({signal})', '/v1/creative-agent/workflows', (s) => sogni.workflows.list({ limit: 5, signal: s })],
  ['workflows.get', `/v1/creative-agent/workflows/${WF}`, (s) => sogni.workflows.get(WF, s)],
  ['workflows.templates.list ({signal})', '/v1/creative-agent/workflows/templates', (s) => sogni.workflows.templates.list({ signal: s })],
  ['replay.list ({signal})', '/v1/replay/records', (s) => sogni.replay.list({ limit: 5, signal: s })],
  ['chat.runs.get', '/v1/chat/runs/', (s) => sogni.chat.runs.get('run_missing', s)],
  ['chat.hosted.executeTool', '/v1/creative-agent/tools/execute', (s) => sogni.chat.hosted.executeTool({ tool: 'enhance_prompt', arguments: { prompt: 'a fox' } }, s)]
];

/** Socket-only calls: an aborted signal rejects them before anything is sent. */
const SOCKET_CASES = [
  ['apiClient.socket.send', (s) => sogni.apiClient.socket.send('setSocketEventSubscriptions', { subscriptions: {} }, undefined, s)],
  ['apiClient.socket.switchNetwork', (s) => sogni.apiClient.socket.switchNetwork('fast', s)],
  ['sogni.setSocketEventSubscriptions', (s) => sogni.setSocketEventSubscriptions({ appAlert: true }, s)],
  ['apiClient.setSocketEventSubscriptions', (s) => sogni.apiClient.setSocketEventSubscriptions({ appAlert: true }, s)],
  ['projects.cancel', (s) => sogni.projects.cancel(PROJECT, s)],
  ['projects.getVideoAssetConfig', (s) => sogni.projects.getVideoAssetConfig('wan_v2.2-14b-fp8_t2v', s)],
  ['chat.waitForModels', (s) => sogni.chat.waitForModels(1000, s)]
];

const hits = (log, path) => log.filter((r) => r.path.startsWith(path));

test('an already-aborted signal rejects with AbortError and nothing reaches the emulator', async () => {
  const reason = AbortSignal.abort();
  for (const [label, path, call] of CASES) {
    const before = hits(await httpLog(), path).length;
    const r = await settled(call(reason));
    assert.equal(r.ok, false, `${label} resolved`);
    assertAbortError(r.e, label);
    await pause(50);
    assert.equal(hits(await httpLog(), path).length, before, `${label}: a request reached the emulator`);
  }
  for (const [label, call] of SOCKET_CASES) {
    const r = await settled(call(reason));
    assert.equal(r.ok, false, `${label} resolved`);
    assertAbortError(r.e, label);
  }
});

test('a signal that is not an AbortSignal is a ValidationError before the wire', async () => {
  const before = hits(await httpLog(), '/v1/leaderboard/').length;
  const r = await settled(sogni.stats.leaderboard({ type: 'jobCompleteArtist', period: 'day' }, { aborted: false }));
  assert.ok(r.e instanceof ValidationError, String(r.e));
  assert.equal(r.e.code, 'INVALID_SIGNAL');
  assert.equal(hits(await httpLog(), '/v1/leaderboard/').length, before);
});

test('aborting mid-flight rejects promptly with AbortError and cancels the request', async () => {
  const DELAY = 2500;
  const marks = [];
  for (const [label, path, call] of CASES) {
    await admin('POST', '/emulator/faults', { rules: [{ kind: 'http', path, ms: DELAY }] });
    const controller = new AbortController();
    const started = Date.now();
    const p = settled(call(controller.signal));
    await pause(150);
    const sent = hits(await httpLog(), path).length;
    controller.abort();
    const r = await p;
    const took = Date.now() - started;
    await admin('DELETE', '/emulator/faults');
    assert.equal(r.ok, false, `${label} resolved`);
    assertAbortError(r.e, label);
    assert.ok(took < 150 + 400, `${label}: rejected after ${took} ms`);
    marks.push({ label, path, sent });
  }
  // The delayed requests were given up by their clients: none reaches a route afterwards.
  await pause(DELAY + 300);
  const log = await httpLog();
  for (const { label, path, sent } of marks) {
    assert.equal(hits(log, path).length, sent, `${label}: the aborted request still reached the emulator`);
  }
  await pause(10);
  assert.deepEqual(unhandled, []);
});

test('a live signal that never aborts changes nothing', async () => {
  const signal = new AbortController().signal;
  const rows = await sogni.stats.leaderboard({ type: 'jobCompleteArtist', period: 'day' }, signal);
  assert.ok(Array.isArray(rows));
  assert.ok(Array.isArray((await sogni.workflows.templates.list({ signal })).templates));
  assert.ok(Array.isArray((await sogni.account.getSubscriptionPlans(signal))));
});

test('workflows.streamEvents: an abort while reading rejects next() and releases the response', async () => {
  const workflow = await sogni.workflows.start({
    input: { steps: [{ id: 'image', toolName: 'generate_image', arguments: { prompt: 'a slow fox', width: 512, height: 512, steps: 40 } }] },
    tokenType: 'spark'
  });
  const controller = new AbortController();
  const stream = sogni.workflows.streamEvents(workflow.workflowId, { signal: controller.signal });
  const first = await stream.next();
  assert.equal(first.done, false);
  // Hold the next frame back by reading until the stream waits on the server.
  const pending = settled(stream.next());
  await pause(20);
  const started = Date.now();
  controller.abort();
  let r = await pending;
  // A frame may already have been on its way; the read after it sees the abort.
  while (r.ok && !r.v.done) r = await settled(stream.next());
  assert.equal(r.ok, false, 'the stream ended instead of aborting');
  assertAbortError(r.e, 'workflows.streamEvents');
  assert.ok(Date.now() - started < 500, `rejected after ${Date.now() - started} ms`);
  const again = await settled(stream.next());
  assertAbortError(again.e, 'next() after the abort');
  await sogni.workflows.cancel(workflow.workflowId).catch(() => {});
});

test('workflows.streamEvents: an abort while opening rejects at once', async () => {
  await admin('POST', '/emulator/faults', { rules: [{ kind: 'http', path: `/v1/creative-agent/workflows/${WF}/events`, ms: 2000 }] });
  try {
    const controller = new AbortController();
    const stream = sogni.workflows.streamEvents(WF, { signal: controller.signal });
    const p = settled(stream.next());
    await pause(100);
    const started = Date.now();
    controller.abort();
    const r = await p;
    assertAbortError(r.e, 'streamEvents open');
    assert.ok(Date.now() - started < 300);
    assertAbortError((await settled(stream.next())).e, 'next() after the abort');
    const aborted = sogni.workflows.streamEvents(WF, { signal: AbortSignal.abort() });
    assertAbortError((await settled(aborted.next())).e, 'an already-aborted stream');
  } finally {
    await admin('DELETE', '/emulator/faults');
  }
});

test('chat.runs.streamEvents: an abort while reading rejects next() and releases the response', async () => {
  await admin('POST', '/emulator/faults', { rules: [{ kind: 'http', path: '/v1/chat/runs/', method: 'GET', ms: 2000 }] });
  try {
    const run = await sogni.chat.runs.create({ model: 'qwen3.6-35b-a3b-gguf-iq4xs', messages: [{ role: 'user', content: 'hello' }] });
    const controller = new AbortController();
    const stream = sogni.chat.runs.streamEvents(run.runId, { signal: controller.signal });
    const p = settled(stream.next());
    await pause(100);
    controller.abort();
    assertAbortError((await p).e, 'chat.runs.streamEvents');
    assertAbortError((await settled(stream.next())).e, 'next() after the abort');
  } finally {
    await admin('DELETE', '/emulator/faults');
  }
});
