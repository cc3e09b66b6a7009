// Project recovery (5.54): a project whose socket dropped mid-render (emulator fault
// injection) is taken over by a NEW client with the same appId (`authenticated.activeProjects`
// → `activeProjectsRecovered`, `Project.recovered`, results); one that finished while the
// appId had no socket arrives once (`unclaimedCompletedProjects` → `completedProjectsRecovered`
// with result URLs); `projects.sync()`, `listProjectsElsewhere()`, `resolveMissing()` on an
// unknown id (`lost`), `projectParamsFromRecoveredProject()` feeding `projects.create`.
import { scenario, env, assert, within, until, sdk } from '../lib.mjs';

// The second user of the emulator: this scenario's renders stay out of the first user's
// transaction history, which other scenarios page through.
const API_KEY = 'other-api-key';
async function client({ appId }) {
  const { SogniClient } = await sdk();
  return SogniClient.createInstance({
    appId, network: 'fast', restEndpoint: env.rest, socketEndpoint: env.socket, logLevel: 'error', apiKey: API_KEY
  });
}

const post = (path, body) =>
  fetch(new URL(path, env.rest), { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
const appIdOf = (tag) => `conformance-19-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const params = (prompt, extra = {}) => ({
  type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: prompt, numberOfMedia: 1, steps: 4,
  sizePreset: 'custom', width: 256, height: 256, ...extra
});

/** A client of `appId` whose recovery events are collected from its first `authenticated` on. */
async function watched(appId) {
  const sogni = await client({ appId });
  const seen = { synced: [], active: [], completed: [], rebuilt: new Map() };
  sogni.projects.on('projectsSynced', (r) => seen.synced.push(r));
  sogni.projects.on('activeProjectsRecovered', (list) => {
    seen.active.push(list);
    for (const r of list) seen.rebuilt.set(r.id, sogni.projects.trackedProjects.find((p) => p.id === r.id));
  });
  sogni.projects.on('completedProjectsRecovered', (list) => seen.completed.push(list));
  return { sogni, seen };
}

/** Creates a project on a client of `appId`, drops its socket (fault injection) and disposes the client. */
async function createThenDrop(appId, p) {
  const sogni = await client({ appId });
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const project = await sogni.projects.create(p);
  assert.equal(project.recovered, false);
  await within(10_000, new Promise((resolve) => project.once('progress', resolve)), 'first progress');
  assert.equal((await post('/emulator/faults/now', { kind: 'drop', appId })).affected, 1);
  sogni.dispose();
  return project.id;
}

async function fetchable(urls) {
  for (const url of urls) assert.equal((await fetch(url)).status, 200, url);
}

await scenario('project recovery across clients', async (track) => {
  const { PROJECT_LOST_ORIGINAL_CODE, isProjectLostError, projectParamsFromRecoveredProject } = await sdk();
  assert.equal(PROJECT_LOST_ORIGINAL_CODE, 'projectLost');
  assert.equal(isProjectLostError({ code: 0, originalCode: PROJECT_LOST_ORIGINAL_CODE, message: 'gone' }), true);
  assert.equal(isProjectLostError(undefined), false);

  // 1. In flight: a new client with the same appId takes it over.
  const appId = appIdOf('a');
  const id = await createThenDrop(appId, params('recovered in flight', { numberOfMedia: 2, steps: 12 }));
  const b = await watched(appId);
  track(b.sogni);
  await within(10_000, until(() => b.seen.active.length > 0), 'activeProjectsRecovered');
  assert.deepEqual(b.seen.active[0].map((p) => p.id), [id]);
  const rebuilt = b.seen.rebuilt.get(id);
  assert.ok(rebuilt, 'tracked when announced');
  assert.equal(rebuilt.recovered, true);
  assert.equal(rebuilt.params.positivePrompt, 'recovered in flight');
  const urls = await within(15_000, rebuilt.waitForCompletion(), 'recovered waitForCompletion');
  assert.equal(urls.length, 2);
  await fetchable(urls);
  await within(5_000, until(() => b.seen.synced.length > 0), 'projectsSynced');
  assert.equal(b.seen.synced[0].reason, 'authenticated');
  assert.deepEqual(b.seen.synced[0].recoveredActive.map((p) => p.id), [id]);
  b.sogni.dispose();

  // 2. Finished while the appId had no socket: handed over once, with result URLs.
  const away = appIdOf('b');
  const doneId = await createThenDrop(away, params('finished while away'));
  let status;
  for (let i = 0; i < 500 && status !== 'completed'; i++) {
    const res = await fetch(new URL(`/v2/projects/${doneId}`, env.rest), { headers: { 'api-key': API_KEY } });
    status = (await res.json())?.data?.project?.status;
    if (status !== 'completed') await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status, 'completed');
  const c = await watched(away);
  track(c.sogni);
  await within(10_000, until(() => c.seen.completed.length > 0), 'completedProjectsRecovered');
  const [held] = c.seen.completed[0];
  assert.equal(held.id, doneId);
  assert.equal(held.resultUrls.length, 1);
  await fetchable(held.resultUrls);
  const manual = await within(10_000, c.sogni.projects.sync(), 'sync()');
  assert.equal(manual.reason, 'manual');
  assert.deepEqual(manual.recoveredCompleted, []);
  assert.equal(c.seen.completed.length, 1, 'announced once');

  // 3. Another app instance's project, its params, and an id nobody knows.
  const there = appIdOf('c');
  await post('/emulator/faults', { rules: [{ kind: 'stall', appId: there, count: 1 }] });
  const other = await client({ appId: there });
  try {
    await within(10_000, other.projects.waitForModels(), 'waitForModels');
    const stalled = await other.projects.create(params('running elsewhere', { seed: 7 }));
    await within(10_000, new Promise((resolve) => stalled.once('jobStarted', resolve)), 'jobStarted');
    const elsewhere = await within(10_000, c.sogni.projects.listProjectsElsewhere(), 'listProjectsElsewhere');
    const entry = elsewhere.find((p) => p.id === stalled.id);
    assert.ok(entry, 'listed elsewhere');
    assert.equal(entry.appId, there);
    const p = projectParamsFromRecoveredProject(entry);
    assert.equal(p.positivePrompt, 'running elsewhere');
    assert.equal(p.seed, 7);
    const rerun = await c.sogni.projects.create(p);
    assert.equal((await within(15_000, rerun.waitForCompletion(), 'rerun')).length, 1);
    const unknown = crypto.randomUUID().toUpperCase();
    const verdicts = await within(10_000, c.sogni.projects.resolveMissing([unknown], { attempts: 1, delayMs: 0 }), 'resolveMissing');
    assert.equal(verdicts[unknown].state, 'lost');
    // sogni-wasm also hands over the error (the official verdict has none).
    if (verdicts[unknown].error) assert.equal(isProjectLostError(verdicts[unknown].error), true);
    await within(10_000, stalled.cancel(), 'cancel');
  } finally {
    await fetch(new URL('/emulator/faults', env.rest), { method: 'DELETE' });
    other.dispose();
  }
  return `taken over in flight (${urls.length} results), finished while away (${held.resultUrls.length}), elsewhere, lost`;
});
