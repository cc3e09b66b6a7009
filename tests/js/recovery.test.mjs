// Project recovery (the official 5.54 API) on the packed sogni-wasm against the emulator: a
// NEW client with the same appId takes over a project whose socket dropped (in flight:
// `authenticated.activeProjects`; finished while away: `unclaimedCompletedProjects`, once),
// `projects.sync()`, `listProjectsElsewhere()`, `resolveMissing()` with the project-lost
// verdict, `projectParamsFromRecoveredProject()` feeding `projects.create`, and their bad
// input and AbortSignal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints, sdk } from './harness.mjs';

const { REST, SOCKET } = endpoints();
const {
  SogniClient, ValidationError, JobError, AbortError, PROJECT_LOST_ORIGINAL_CODE, isProjectLostError,
  projectParamsFromRecoveredProject
} = sdk;

// The emulator's second user: these renders leave the first user's balance and history,
// which other test files check while this one runs, alone.
const KEY = 'other-api-key';
const json = (path, init = {}) => fetch(`${REST}${path}`, init).then((r) => r.json());
const now = (action) => json('/emulator/faults/now', { method: 'POST', body: JSON.stringify(action) });
const appIdOf = (tag) => `recovery-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const until = async (pred, ms = 10_000, what = 'condition') => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function client(appId) {
  const sogni = await SogniClient.createInstance({
    appId, network: 'fast', restEndpoint: REST, socketEndpoint: SOCKET, apiKey: KEY, logLevel: 'error'
  });
  // The recovery events of the first `authenticated`, collected from the start.
  const seen = { synced: [], active: [], completed: [], rebuilt: new Map() };
  sogni.projects.on('projectsSynced', (r) => seen.synced.push(r));
  sogni.projects.on('activeProjectsRecovered', (list) => {
    seen.active.push(list);
    // Tracked from now on: grab the instances before they finish.
    for (const r of list) seen.rebuilt.set(r.id, sogni.projects.trackedProjects.find((p) => p.id === r.id));
  });
  sogni.projects.on('completedProjectsRecovered', (list) => seen.completed.push(list));
  return { sogni, seen };
}

const params = (prompt, extra = {}) => ({
  type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: prompt, numberOfMedia: 1, steps: 4,
  sizePreset: 'custom', width: 256, height: 256, ...extra
});

async function fetchable(urls) {
  for (const url of urls) {
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    assert.ok((await res.arrayBuffer()).byteLength > 0);
  }
}

/** Creates a project on a client of `appId`, then drops that socket (fault injection) and disposes the client. */
async function createThenDrop(appId, p) {
  const { sogni } = await client(appId);
  await sogni.projects.waitForModels();
  const project = await sogni.projects.create(p);
  assert.equal(project.recovered, false, 'a created project is not recovered');
  await new Promise((resolve) => project.once('progress', resolve));
  assert.equal((await now({ kind: 'drop', appId })).affected, 1, 'the socket was dropped');
  sogni.dispose(); // before its reconnect: only a new client can take the project over
  return project.id;
}

test('a new client with the same appId takes over a project whose socket dropped mid-render', async () => {
  const appId = appIdOf('active');
  const id = await createThenDrop(appId, params('recovered in flight', { numberOfMedia: 2, steps: 12 }));
  const { sogni, seen } = await client(appId);
  try {
    await until(() => seen.synced.length > 0, 10_000, 'projectsSynced');
    const synced = seen.synced[0];
    assert.equal(synced.reason, 'authenticated');
    assert.deepEqual(synced.snapshot.activeProjects.map((p) => p.id), [id]);
    assert.deepEqual(synced.recoveredActive.map((p) => p.id), [id]);
    assert.deepEqual([synced.active, synced.completed, synced.lost, synced.unverified], [[], [], [], []]);
    assert.deepEqual(seen.active.map((l) => l.map((p) => p.id)), [[id]]);
    assert.equal(seen.active[0][0].appId, appId);
    const project = seen.rebuilt.get(id);
    assert.ok(project, 'tracked when announced');
    assert.equal(project.recovered, true);
    assert.equal(project.type, 'image');
    assert.equal(project.params.positivePrompt, 'recovered in flight');
    assert.equal(project.params.numberOfMedia, 2);
    assert.equal(project.params.modelId, 'flux1-schnell-fp8');
    const urls = await project.waitForCompletion(AbortSignal.timeout(15_000));
    assert.equal(urls.length, 2);
    await fetchable(urls);
    assert.equal(project.status, 'completed');
    assert.equal((await json(`/emulator/requests?appId=${appId}`)).jobRequests.length, 1, 'never sent again');
  } finally {
    sogni.dispose();
  }
});

test('a project that finished while its app was away is handed over once, with its result URLs', async () => {
  const appId = appIdOf('away');
  const id = await createThenDrop(appId, params('finished while away'));
  // Finished on the server with no socket for the appId.
  let done = false;
  for (let i = 0; i < 500 && !done; i++) {
    const body = await json(`/v2/projects/${id}`, { headers: { 'api-key': KEY } });
    done = body?.data?.project?.status === 'completed';
    if (!done) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(done, 'the project completed on the server');
  const { sogni, seen } = await client(appId);
  try {
    await until(() => seen.synced.length > 0, 10_000, 'projectsSynced');
    assert.equal(seen.active.length, 0);
    assert.equal(seen.completed.length, 1);
    const [record] = seen.completed[0];
    assert.equal(record.id, id);
    assert.equal(record.status, 'completed');
    assert.equal(record.resultUrls.length, 1);
    await fetchable(record.resultUrls);
    assert.deepEqual(seen.synced[0].recoveredCompleted.map((p) => p.resultUrls), [record.resultUrls]);
    // The server handed it over with `authenticated`: a manual sync has nothing more.
    const again = await sogni.projects.sync();
    assert.equal(again.reason, 'manual');
    assert.deepEqual(again.snapshot.unclaimedCompletedProjects, []);
    assert.deepEqual(again.recoveredCompleted, []);
    assert.equal(seen.completed.length, 1, 'announced once');
    assert.equal(seen.synced.length, 2, 'every sync is a projectsSynced event');
  } finally {
    sogni.dispose();
  }
});

test('sync, listProjectsElsewhere, resolveMissing and projectParamsFromRecoveredProject', async () => {
  const here = appIdOf('here');
  const there = appIdOf('there');
  // The project elsewhere stays in flight: its worker stalls until it is cancelled.
  await json('/emulator/faults', {
    method: 'POST', body: JSON.stringify({ rules: [{ kind: 'stall', appId: there, count: 1 }] })
  });
  const other = await client(there);
  const mine = await client(here);
  try {
    await other.sogni.projects.waitForModels();
    const stalled = await other.sogni.projects.create(params('running elsewhere', { seed: 7 }));
    await new Promise((resolve) => stalled.once('jobStarted', resolve));

    // Manual sync on the app that runs it: tracked and listed, so `active`.
    const synced = await other.sogni.projects.sync('manual');
    assert.equal(synced.reason, 'manual');
    assert.deepEqual(synced.active, [stalled.id]);
    assert.deepEqual(synced.snapshot.activeProjects.map((p) => p.id), [stalled.id]);
    assert.equal(typeof synced.snapshot.serverTime, 'number');

    // The other app instance sees it, read-only.
    const elsewhere = await mine.sogni.projects.listProjectsElsewhere();
    const entry = elsewhere.find((p) => p.id === stalled.id);
    assert.ok(entry, `listed elsewhere: ${JSON.stringify(elsewhere.map((p) => p.id))}`);
    assert.equal(entry.appId, there);
    assert.ok(elsewhere.every((p) => p.appId !== here));
    assert.equal(mine.sogni.projects.trackedProjects.length, 0, 'not tracked');
    assert.ok(entry.workerJobs.length >= 1 && entry.workerJobs.every((j) => typeof j.imgID === 'string'));

    // Its params, rebuilt from the original request, run again here.
    const p = projectParamsFromRecoveredProject(entry);
    assert.equal(p.type, 'image');
    assert.equal(p.modelId, 'flux1-schnell-fp8');
    assert.equal(p.positivePrompt, 'running elsewhere');
    assert.equal(p.numberOfMedia, 1);
    assert.equal(p.steps, 4);
    assert.equal(p.seed, 7);
    assert.equal(p.width, 256);
    const rerun = await mine.sogni.projects.create(p);
    const urls = await rerun.waitForCompletion(AbortSignal.timeout(15_000));
    assert.equal(urls.length, 1);
    await fetchable(urls);

    // resolveMissing: finished, active (another app's, on the same account) and lost.
    const unknown = crypto.randomUUID().toUpperCase();
    const verdicts = await mine.sogni.projects.resolveMissing([rerun.id, stalled.id, unknown], { attempts: 1, delayMs: 0 });
    assert.deepEqual(Object.keys(verdicts).sort(), [rerun.id, stalled.id, unknown].sort());
    assert.equal(verdicts[rerun.id].state, 'finished');
    assert.equal(verdicts[rerun.id].project.id, rerun.id);
    assert.equal(verdicts[stalled.id].state, 'active');
    const lost = verdicts[unknown];
    assert.equal(lost.state, 'lost');
    assert.ok(lost.error instanceof JobError);
    assert.equal(lost.error.code, 0);
    assert.equal(lost.error.originalCode, PROJECT_LOST_ORIGINAL_CODE);
    assert.equal(isProjectLostError(lost.error), true);
    assert.equal(PROJECT_LOST_ORIGINAL_CODE, 'projectLost');

    await stalled.cancel();
    assert.equal(stalled.status, 'canceled');
  } finally {
    await fetch(`${REST}/emulator/faults`, { method: 'DELETE' });
    other.sogni.dispose();
    mine.sogni.dispose();
  }
});

test('recovery helpers and calls refuse bad input with typed errors, and honour AbortSignal', async () => {
  assert.equal(isProjectLostError({ code: 0, originalCode: 'projectLost', message: 'x' }), true);
  for (const v of [undefined, null, {}, 'projectLost', { originalCode: 'artistCanceled' }, new Error('x')]) {
    assert.equal(isProjectLostError(v), false, String(v));
  }
  for (const bad of [undefined, null, 'x', 5]) {
    assert.throws(() => projectParamsFromRecoveredProject(bad), (e) => e instanceof ValidationError && e.code === 'INVALID_PARAMS');
  }
  assert.deepEqual(projectParamsFromRecoveredProject({ id: 'X', model: { id: 'm' } }), {
    type: 'image', modelId: 'm', numberOfMedia: 1, positivePrompt: ''
  });
  const { sogni } = await client(appIdOf('bad'));
  try {
    await sogni.projects.waitForModels();
    await assert.rejects(sogni.projects.sync('later'), (e) => e instanceof ValidationError && e.code === 'INVALID_SYNC_REASON');
    for (const [ids, options, code] of [
      ['abc', undefined, 'INVALID_PROJECT_IDS'],
      [[1], undefined, 'INVALID_PROJECT_IDS'],
      [['A'], { attempts: 0 }, 'INVALID_PARAMS'],
      [['A'], { delayMs: -5 }, 'INVALID_PARAMS'],
      [['A'], 'fast', 'INVALID_PARAMS']
    ]) {
      await assert.rejects(sogni.projects.resolveMissing(ids, options), (e) => e instanceof ValidationError && e.code === code);
    }
    const aborted = AbortSignal.abort();
    await assert.rejects(sogni.projects.sync(undefined, aborted), (e) => e instanceof AbortError && e.code === 'ABORTED');
    await assert.rejects(sogni.projects.listProjectsElsewhere(aborted), (e) => e instanceof AbortError);
    await assert.rejects(
      sogni.projects.resolveMissing(['A'], { attempts: 3, delayMs: 1_000, signal: AbortSignal.timeout(50) }),
      (e) => e instanceof AbortError
    );
  } finally {
    sogni.dispose();
  }
});
