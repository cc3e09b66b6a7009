// The rest of the official surface in the packed package (pkg/node.js), Node 22, against the
// emulator: workflows (real media steps, SSE with for await, resume, reseed, cancel) and
// templates, replay, stats, announcements, account rewards / transactions / subscriptions
// (checkout → socket entitlement push), socket notices, LoRAs, personal LoRAs, saved
// uploads, project lookups and URLs; and a second user refused on the first one's things.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints, sdk } from './harness.mjs';
import { PNG_4x4 as PNG } from './media.mjs';

const { REST, base, stats } = endpoints();
const { SogniClient, ApiError, ValidationError, parseCreativeWorkflowSseChunk, isSubscriptionLimitError } = sdk;

const config = (extra) => ({ ...base, ...extra });
const rejection = (p) => p.then(() => null, (e) => e);
const emulator = (path, body) =>
  fetch(`${REST}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());

let sogni;
let other;
before(async () => {
  sogni = await SogniClient.createInstance(config({ appId: `surface-${process.pid}`, apiKey: 'demo-api-key' }));
  other = await SogniClient.createInstance(config({ appId: `surface-other-${process.pid}`, apiKey: 'other-api-key', disableSocket: true }));
});
after(() => {
  sogni?.dispose();
  other?.dispose();
});

async function collect(stream, max = 200) {
  const frames = [];
  for await (const frame of stream) {
    frames.push(frame);
    if (frames.length >= max) break;
  }
  return frames;
}

test('workflows: an inline plan renders real media; events stream with for await and resume after an id', async () => {
  const workflow = await sogni.workflows.start({
    input: {
      title: 'Fox poster',
      steps: [
        { id: 'image', toolName: 'generate_image', arguments: { prompt: 'a red fox', width: 128, height: 96 } },
        {
          id: 'caption',
          toolName: 'enhance_prompt',
          arguments: { prompt: 'a red fox' },
          dependsOn: [{ sourceStepId: 'image', targetArgument: 'reference_image_url', transform: 'image_url' }]
        }
      ]
    },
    tokenType: 'spark',
    idempotencyKey: `wf-${process.pid}`
  });
  assert.match(workflow.workflowId, /^wf_/);
  assert.equal(workflow.title, 'Fox poster');
  const again = await sogni.workflows.start({ input: { steps: [{ toolName: 'generate_image', arguments: { prompt: 'x' } }] }, idempotencyKey: `wf-${process.pid}` });
  assert.equal(again.workflowId, workflow.workflowId, 'the same Idempotency-Key gives the same workflow');

  const frames = await collect(sogni.workflows.streamEvents(workflow.workflowId, { signal: AbortSignal.timeout(20_000) }));
  const types = frames.map((f) => f.event);
  assert.equal(types[0], 'workflow_started');
  assert.equal(types.at(-1), 'workflow_completed', types.join());
  assert.equal(frames.at(-1).data.status, 'completed');
  assert.ok(types.includes('artifact_created'));
  assert.deepEqual(frames.map((f) => Number(f.id)), frames.map((_, i) => i + 1));
  const art = frames.find((f) => f.event === 'artifact_created').data.data;
  const png = Buffer.from(await (await fetch(art.url)).arrayBuffer());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');

  const tail = await collect(sogni.workflows.streamEvents(workflow.workflowId, { lastEventId: frames.length - 2 }));
  assert.deepEqual(tail.map((f) => Number(f.id)), [frames.length - 1, frames.length]);
  const after = await collect(sogni.workflows.streamEvents(workflow.workflowId, { after: frames.length - 1 }));
  assert.deepEqual(after.map((f) => Number(f.id)), [frames.length]);

  const done = await sogni.workflows.get(workflow.workflowId);
  assert.equal(done.status, 'completed');
  assert.equal(done.steps[1].arguments.reference_image_url, art.url);
  const events = await sogni.workflows.events(workflow.workflowId);
  assert.equal(events.length, frames.length);
  const list = await sogni.workflows.list({ limit: 50 });
  assert.ok(list.some((w) => w.workflowId === workflow.workflowId));
  assert.deepEqual(await sogni.workflows.list({ limit: 1, offset: 100000 }), []);

  const raw = frames.map((f) => f.raw).join('\n\n');
  assert.deepEqual(parseCreativeWorkflowSseChunk(raw), frames);

  const reseed = await sogni.workflows.reseed(workflow.workflowId, { seedOverrides: { image: 11 }, idempotencyKey: `rs-${process.pid}` });
  assert.equal(reseed.reseed.clonedFromRunId, workflow.workflowId);
  assert.deepEqual(reseed.reseed.steps[0], { stepId: 'image', seed: 11 });
  const same = await sogni.workflows.reseed(workflow.workflowId, { seedOverrides: { image: 11 }, idempotencyKey: `rs-${process.pid}` });
  assert.equal(same.idempotent, true);
  assert.equal(same.workflow.workflowId, reseed.workflow.workflowId);
  const clone = await collect(sogni.workflows.streamEvents(reseed.workflow.workflowId));
  assert.equal(clone.at(-1).data.status, 'completed');
  assert.equal((await sogni.workflows.get(reseed.workflow.workflowId)).steps[0].seed, 11);
});

test('workflows: cost approval pauses until resume; cancel; refusals before and from the server', async () => {
  const paused = await sogni.workflows.start({
    input: { steps: [{ toolName: 'generate_music', arguments: { prompt: 'rain', duration: 2 } }] },
    maxEstimatedCapacityUnits: 0.000001
  });
  const waiting = await collect(sogni.workflows.streamEvents(paused.workflowId), 1);
  assert.equal(waiting[0].event, 'workflow_waiting_for_user');
  const record = await sogni.workflows.get(paused.workflowId);
  assert.equal(record.waitingReason, 'cost_approval_required');
  assert.equal(record.awaitingCostApproval, true);
  const resumed = await sogni.workflows.resume(paused.workflowId, { tokenType: 'spark' });
  assert.equal(resumed.resumed, true);
  const rest = await collect(sogni.workflows.streamEvents(paused.workflowId, { after: 1 }));
  assert.equal(rest.at(-1).data.status, 'completed');
  const audio = (await sogni.workflows.get(paused.workflowId)).artifacts[0];
  assert.equal(audio.mediaType, 'audio');

  const stopped = await sogni.workflows.start({
    input: { steps: [{ toolName: 'generate_image', arguments: { prompt: 'x' } }] },
    maxEstimatedCapacityUnits: 0.000001
  });
  await collect(sogni.workflows.streamEvents(stopped.workflowId), 1);
  const cancelled = await sogni.workflows.cancel(stopped.workflowId);
  assert.equal(cancelled.status, 'cancelled');
  const twice = await rejection(sogni.workflows.cancel(stopped.workflowId));
  assert.ok(twice instanceof ApiError && twice.status === 409, String(twice));

  const before = await stats();
  const inline = await rejection(
    sogni.workflows.start({ input: { steps: [] }, mediaReferences: [{ url: 'data:image/png;base64,AAAA' }] })
  );
  assert.ok(inline instanceof ValidationError, String(inline));
  assert.match(inline.message, /mediaReferences\[0\]\.url/);
  assert.ok((await rejection(sogni.workflows.start({}))) instanceof ValidationError);
  assert.ok((await rejection(sogni.workflows.start({ input: { steps: [] }, workflowId: 'x' }))) instanceof ValidationError);
  const unknown = await rejection(sogni.workflows.start({ input: { steps: [{ toolName: 'teleport', arguments: {} }] } }));
  assert.ok(unknown instanceof ApiError && unknown.status === 400, String(unknown));
  assert.equal(unknown.errorCode ?? unknown.payload.errorCode, 400);
  assert.deepEqual((await stats()).projects, before.projects);
});

test('templates: system ones listed, CRUD and fork of your own, a workflow started from one', async () => {
  const all = await sogni.workflows.templates.list();
  assert.ok(all.templates.some((t) => t.id === 'tpl_system_product_shot'));
  const page = await sogni.workflows.templates.list({ visibility: 'public', limit: 1 });
  assert.equal(page.templates.length, 1);
  assert.equal(page.nextCursor, 1);

  const mine = await sogni.workflows.templates.create({
    id: 'ignored',
    name: 'Kite poster',
    version: '1.0.0',
    description: 'A kite',
    inputs: [{ name: 'subject', type: 'string', required: true }],
    stages: [{ id: 'img', toolName: 'generate_image', arguments: { prompt: '{{subject}} in the sky', width: 64, height: 64 } }]
  });
  assert.match(mine.id, /^tpl_/);
  assert.equal(mine.visibility, 'private');
  assert.deepEqual(await sogni.workflows.templates.get(mine.id), mine);
  const renamed = await sogni.workflows.templates.update(mine.id, { description: 'A red kite' });
  assert.equal(renamed.description, 'A red kite');
  const own = await sogni.workflows.templates.list({ visibility: 'own' });
  assert.ok(own.templates.some((t) => t.id === mine.id));

  const run = await sogni.workflows.start({ workflowId: mine.id, inputs: { subject: 'a red kite' } });
  const frames = await collect(sogni.workflows.streamEvents(run.workflowId));
  assert.equal(frames.at(-1).data.status, 'completed');
  assert.equal((await sogni.workflows.get(run.workflowId)).steps[0].arguments.prompt, 'a red kite in the sky');

  const fork = await sogni.workflows.templates.fork('tpl_system_product_shot', { newName: 'My product shot' });
  assert.equal(fork.name, 'My product shot');
  assert.equal(fork.forkedFrom, 'tpl_system_product_shot');
  const system = await rejection(sogni.workflows.templates.update('tpl_system_product_shot', { name: 'x' }));
  assert.ok(system instanceof ApiError && system.status === 403, String(system));
  await sogni.workflows.templates.delete(fork.id);
  const gone = await rejection(sogni.workflows.templates.get(fork.id));
  assert.ok(gone instanceof ApiError && gone.status === 404);
});

test('authorization: another user gets 404 on workflows, private templates and replay records (403 changing a public template)', async () => {
  const wf = await sogni.workflows.start({ input: { steps: [{ toolName: 'compose_lyrics', arguments: { prompt: 'tide' } }] } });
  await collect(sogni.workflows.streamEvents(wf.workflowId));
  const tpl = await sogni.workflows.templates.create({ name: 'Private', version: '1', description: '' });
  await sogni.replay.write({ run_id: `auth-${process.pid}`, user_request: 'hello' });
  const refusals = {
    'workflows.get': () => other.workflows.get(wf.workflowId),
    'workflows.events': () => other.workflows.events(wf.workflowId),
    'workflows.cancel': () => other.workflows.cancel(wf.workflowId),
    'workflows.resume': () => other.workflows.resume(wf.workflowId),
    'workflows.reseed': () => other.workflows.reseed(wf.workflowId),
    'workflows.streamEvents': () => collect(other.workflows.streamEvents(wf.workflowId)),
    'templates.get': () => other.workflows.templates.get(tpl.id),
    'templates.update': () => other.workflows.templates.update(tpl.id, { name: 'mine now' }),
    'templates.delete': () => other.workflows.templates.delete(tpl.id),
    'templates.fork': () => other.workflows.templates.fork(tpl.id),
    'replay.get': () => other.replay.get(`auth-${process.pid}`)
  };
  for (const [what, call] of Object.entries(refusals)) {
    const e = await rejection(call());
    assert.ok(e instanceof ApiError, `${what}: ${e}`);
    assert.equal(e.status, 404, `${what}: ${e.status} ${e.message}`);
  }
  assert.ok(!(await other.workflows.list()).some((w) => w.workflowId === wf.workflowId));
  assert.ok(!(await other.workflows.templates.list()).templates.some((t) => t.id === tpl.id));
  assert.ok(!(await other.replay.list()).records.some((r) => r.runId === `auth-${process.pid}`));
  await sogni.workflows.templates.update(tpl.id, { visibility: 'public' });
  assert.equal((await other.workflows.templates.get(tpl.id)).id, tpl.id, 'a public template is readable');
  const change = await rejection(other.workflows.templates.update(tpl.id, { name: 'mine now' }));
  assert.equal(change?.status, 403);
  const del = await rejection(other.workflows.templates.delete(tpl.id));
  assert.equal(del?.status, 403);
  assert.equal((await sogni.workflows.templates.get(tpl.id)).name, 'Private', 'unchanged');
});

test('replay: write (redacted), list, get', async () => {
  const runId = `run-${process.pid}`;
  const written = await sogni.replay.write({
    run_id: runId,
    schema_version: 2,
    model_id: 'qwen3.6-35b-a3b-gguf-iq4xs',
    user_request: 'my key is sk-1234567890abcdefgh',
    rounds: [{ role: 'user' }, { role: 'assistant' }],
    final_response: { content: 'ok' }
  });
  assert.equal(written.runId, runId);
  assert.equal(written.redacted, true);
  assert.equal(written.schemaVersion, 2);
  assert.ok(written.createTime > 0);
  const { records } = await sogni.replay.list({ limit: 10 });
  const summary = records.find((r) => r.runId === runId);
  assert.equal(summary.rounds, 2);
  assert.equal(summary.modelId, 'qwen3.6-35b-a3b-gguf-iq4xs');
  const got = await sogni.replay.get(runId);
  assert.equal(got.record.user_request, 'my key is [REDACTED]');
  assert.equal(got.createTime, written.createTime);
  const bad = await rejection(sogni.replay.write({ rounds: [] }));
  assert.ok(bad instanceof ApiError && bad.status === 400 && /run_id/.test(bad.message), String(bad));
});

test('stats and announcements: leaderboard after a render; active, dismiss, live appAlert', async () => {
  const project = await sogni.projects.create({ type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'x', numberOfMedia: 1, steps: 1, width: 256, height: 256 });
  await project.waitForCompletion(AbortSignal.timeout(20_000));
  const rows = await sogni.stats.leaderboard({ type: 'jobCompleteArtist', period: 'day' });
  const me = rows.find((r) => r.username === 'demo');
  assert.ok(me && Number(me.value) >= 1 && me.rank >= 1, JSON.stringify(rows));
  assert.deepEqual(await sogni.stats.leaderboard({ type: 'jobCompleteWorker', period: 'lifetime' }), []);
  const bad = await rejection(sogni.stats.leaderboard({ type: 'nope', period: 'day' }));
  assert.ok(bad instanceof ApiError && bad.status === 400);

  const active = await sogni.announcements.active();
  assert.ok(active.some((a) => a.id === 'ann-welcome'));
  assert.ok(!active.some((a) => a.id === 'ann-mac'), 'platform-scoped ones need the platform');
  assert.ok((await sogni.announcements.active('sogni-mac')).some((a) => a.id === 'ann-mac'));
  await sogni.announcements.dismiss('ann-welcome');
  assert.ok(!(await sogni.announcements.active()).some((a) => a.id === 'ann-welcome'));
  assert.ok((await other.announcements.active()).some((a) => a.id === 'ann-welcome'), 'dismissed for this account only');

  const confirmed = new Promise((resolve) => sogni.apiClient.socket.once('socketEventSubscriptionsUpdated', resolve));
  await sogni.setSocketEventSubscriptions({ appAlert: true, subscriptionLimitNotice: true });
  assert.equal((await confirmed).socketEventSubscriptions.appAlert, true);
  const alert = new Promise((resolve) => sogni.apiClient.socket.once('appAlert', resolve));
  await emulator('/emulator/announcements', { title: 'Maintenance at 22:00', kind: 'banner', severity: 'warn' });
  assert.equal((await alert).title, 'Maintenance at 22:00');
  const notice = new Promise((resolve) => sogni.apiClient.socket.once('subscriptionLimitNotice', resolve));
  await emulator('/emulator/notices', { username: 'demo', reason: 'queue_cap', code: '4079' });
  const n = await notice;
  assert.equal(n.code, '4079');
  assert.equal(isSubscriptionLimitError(n), false);
  assert.equal(isSubscriptionLimitError({ code: '4081' }), true);
  assert.equal(isSubscriptionLimitError(4081), true);
  assert.equal(isSubscriptionLimitError({ subscriptionLimit: true }), true);
  assert.equal(isSubscriptionLimitError(null), false);
});

test('account: rewards and claims (dates), transaction history, nonce, wallet balance, username check', async () => {
  const rewards = await sogni.account.rewards();
  const daily = rewards.find((r) => r.id === 'daily-boost');
  assert.equal(daily.canClaim, true);
  assert.equal(daily.claimed, false);
  assert.ok(daily.lastClaim instanceof Date);
  assert.equal(daily.provider, 'base');
  const before = Number((await sogni.account.refreshBalance()).spark.net);
  await sogni.account.claimRewards(['daily-boost']);
  const after = Number((await sogni.account.refreshBalance()).spark.net);
  assert.ok(Math.abs(after - before - 5) < 1e-6, `${before} → ${after}`);
  const claimed = (await sogni.account.rewards({ provider: 'base' })).find((r) => r.id === 'daily-boost');
  assert.equal(claimed.canClaim, false);
  assert.ok(claimed.nextClaim instanceof Date && claimed.nextClaim > claimed.lastClaim);
  const twice = await rejection(sogni.account.claimRewards(['daily-boost']));
  assert.ok(twice instanceof ApiError && twice.status === 400);

  const address = sogni.currentAccount.walletAddress;
  const page = await sogni.account.transactionHistory({ status: 'completed', address, limit: 2 });
  assert.equal(page.entries.length, 2);
  assert.ok(page.entries[0].createTime instanceof Date && page.entries[0].endTime instanceof Date);
  const recent = await sogni.account.transactionHistory({ status: 'completed', address, limit: 50 });
  const reward = recent.entries.find((e) => e.description === 'Reward: Daily Boost');
  assert.ok(reward && reward.type === 'credit' && reward.amount === 5 && reward.tokenType === 'spark', JSON.stringify(reward));
  assert.deepEqual(page.next, { status: 'completed', address, limit: 2, offset: 2 });
  const next = await sogni.account.transactionHistory(page.next);
  assert.ok(next.entries.every((e) => e.id !== page.entries[0].id));
  const foreign = await rejection(other.account.transactionHistory({ status: 'completed', address, limit: 2 }));
  assert.equal(foreign?.status, 403);

  assert.match(await sogni.account.getNonce(address), /.+/);
  const wallet = await sogni.account.walletBalance(address);
  assert.deepEqual(Object.keys(wallet).sort(), ['ether', 'sogni', 'spark']);
  assert.equal((await sogni.account.walletBalance(address, 'etherlink')).sogni, '250');
  assert.deepEqual(await sogni.account.validateUsername('brand_new_user'), { status: 'success' });
  const taken = await sogni.account.validateUsername('demo');
  assert.equal(taken.errorCode, 108);
  assert.equal(sogni.currentAccount.networkStatus, 'connected');
});

test('subscriptions: plans, trial eligibility, checkout → payment page → entitlement pushed; usage, portal; saved uploads unlocked', async () => {
  // A fresh account (signed up here), so that its subscription changes nothing for the
  // other test files sharing the emulator's demo account.
  const user = await SogniClient.createInstance(config({ appId: `surface-login-${process.pid}` }));
  try {
    const username = `sub_${process.pid}`.slice(0, 20);
    await user.account.create({ username, email: `${username}@example.test`, password: 'sub-password' });
    const plans = await user.account.getSubscriptionPlans();
    assert.ok(plans.some((p) => p.planId === 'unlimited_pro' && p.term === 'annual'));
    const status = await user.account.getSubscriptionStatus();
    assert.deepEqual(status, { active: false, status: 'none' });
    assert.equal(user.currentAccount.isUnlimited, false);
    assert.deepEqual(await user.account.getTrialEligibility(), { eligible: true, reasonCode: 'eligible' });
    await user.account.setDeviceId('device-1');
    const keyRefused = await rejection(sogni.account.createSubscriptionCheckout('unlimited', 'monthly'));
    assert.equal(keyRefused?.status, 403, 'API keys cannot check out');
    const unsubscribed = await other.projects.assets.tryBindFile(new Blob([PNG], { type: 'image/png' }), 'image/png', { projectId: 'P', type: 'startingImage' });
    assert.equal(unsubscribed, false, 'saved uploads need a subscription: the project upload is used instead');
    const noSub = await rejection(other.projects.assets.upload(PNG, 'image/png'));
    assert.equal(noSub?.status, 403);

    const { url } = await user.account.createSubscriptionCheckout('unlimited', 'monthly', { redirectType: 'web', deviceId: 'device-1' });
    const pushed = new Promise((resolve) => user.apiClient.socket.once('subscriptionEntitlementUpdated', resolve));
    const updated = new Promise((resolve) => {
      const off = user.currentAccount.on('updated', (patch) => {
        if (patch.subscription) {
          off();
          resolve(patch.subscription);
        }
      });
    });
    assert.equal((await fetch(url)).status, 200, 'the payment page');
    assert.equal((await pushed).trialing, true);
    const sub = await updated;
    assert.equal(sub.status, 'trialing');
    assert.equal(user.currentAccount.subscription.tier, 'unlimited');
    assert.equal(user.currentAccount.isUnlimited, true);
    assert.equal((await user.account.refreshSubscription()).status, 'trialing');
    const usage = await user.account.getSubscriptionUsage();
    assert.equal(usage.trialCreditsLimit, 500);
    assert.ok(typeof usage.periodJobs === 'number');
    assert.equal((await user.account.getTrialEligibility()).eligible, false);

    const portal = await user.account.createSubscriptionPortalSession();
    const cancelled = new Promise((resolve) => user.apiClient.socket.once('subscriptionEntitlementUpdated', resolve));
    await fetch(`${portal.url}?action=cancel`);
    await cancelled;
    assert.equal((await user.account.getSubscriptionStatus()).cancelAtPeriodEnd, true);

    // Saved uploads: upload once, reuse, bind, automatic bind, remove.
    const blob = new Blob([PNG], { type: 'image/png' });
    const saved = await user.projects.assets.upload(blob, 'image/png', 'dot.png');
    assert.equal(saved.state, 'ready');
    assert.equal(saved.bytes, PNG.length);
    const reused = await user.projects.assets.upload(PNG, 'image/png');
    assert.equal(reused.id, saved.id);
    await user.projects.assets.bind(saved.id, { projectId: 'P-1', type: 'startingImage' });
    assert.equal(await user.projects.assets.tryBindFile(blob, 'image/png', { projectId: 'P-2', type: 'startingImage' }), true);
    assert.equal(await user.projects.assets.tryBindFile(blob, 'text/plain', { projectId: 'P-2', type: 'startingImage' }), false);
    const { assets, limits } = await user.projects.assets.list();
    assert.ok(assets.some((a) => a.id === saved.id) && limits.entries > 0);
    const notYours = await rejection(other.projects.assets.bind(saved.id, { projectId: 'P-3', type: 'startingImage' }));
    assert.equal(notYours?.status, 404);
    await user.projects.assets.remove(saved.id);
    assert.ok(!(await user.projects.assets.list()).assets.some((a) => a.id === saved.id));
    const tooBig = await rejection(user.projects.assets.upload(new Uint8Array(0), 'image/png'));
    assert.ok(tooBig instanceof ApiError && tooBig.status === 400);

    // A subscriber's project references are saved and bound, not uploaded (as officially).
    await user.projects.waitForModels();
    const project = await user.projects.create({
      type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'bound', numberOfMedia: 1, steps: 2,
      width: 256, height: 256, startingImage: new Blob([PNG], { type: 'image/png' }), startingImageStrength: 0.5
    });
    await project.waitForCompletion(AbortSignal.timeout(20_000));
    const log = await (await fetch(`${REST}/emulator/requests?appId=surface-login-${process.pid}`)).json();
    assert.equal(log.jobRequests.length, 1);
    assert.deepEqual(log.uploads.filter((u) => u.jobId === project.id), [], 'no upload URL was requested for the starting image');
    assert.ok((await user.projects.assets.list()).assets.some((a) => a.bytes === PNG.length), 'the reference became a saved upload');
  } finally {
    user.dispose();
  }
});

test('LoRAs: catalog (cached), getLora, supportsLoras, constraints; personal imports with includePersonal', async () => {
  const catalog = await sogni.projects.availableLoras();
  assert.ok(catalog.loras.length >= 4);
  assert.ok(catalog.models.includes('z_image_turbo_bf16'));
  assert.deepEqual(catalog.constraints, { maxPerRequest: 3, minStrength: -2, maxStrength: 2 });
  const scoped = await sogni.projects.availableLoras({ modelId: 'flux1-schnell-fp8' });
  assert.ok(scoped.loras.every((l) => l.modelIds.includes('flux1-schnell-fp8')));
  assert.ok(scoped.loras.some((l) => l.loraId === 'flux-film-grain'));
  assert.equal((await sogni.projects.getLora('warm-light')).ui.rangeLabels.max, 'Warmer & Golden');
  assert.equal(await sogni.projects.getLora('nope'), undefined);
  assert.equal(await sogni.projects.supportsLoras('z_image_turbo_bf16'), true);
  assert.equal(await sogni.projects.supportsLoras('wan_v2.2-14b-fp8_t2v'), false);
  assert.equal((await sogni.projects.loraConstraints()).maxPerRequest, 3);

  const lib = await sogni.projects.personalLoras.list();
  assert.ok(lib.models.includes('z_image_turbo_bf16') && lib.limits.entries > 0);
  const imported = await sogni.projects.personalLoras.import({
    url: 'https://huggingface.co/me/lora/resolve/main/style.safetensors',
    name: 'My style',
    modelId: 'z_image_turbo_bf16',
    rightsConfirmed: true
  });
  assert.equal(imported.status, 'queued');
  let status = imported.status;
  for (let i = 0; i < 80 && status !== 'ready'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    status = (await sogni.projects.personalLoras.get(imported.id)).status;
  }
  assert.equal(status, 'ready');
  const personal = await sogni.projects.personalLoras.catalog({ modelId: 'z_image_turbo_bf16' });
  assert.deepEqual(personal.loras.map((l) => l.loraId), [imported.id]);
  assert.deepEqual((await sogni.projects.personalLoras.catalog({ modelId: 'flux1-schnell-fp8' })).loras, []);
  assert.equal((await sogni.projects.getLora(imported.id)).name, 'My style');
  const merged = await sogni.projects.availableLoras({ includePersonal: true, modelId: 'z_image_turbo_bf16' });
  assert.ok(merged.loras.some((l) => l.loraId === imported.id));
  const hidden = await rejection(other.projects.personalLoras.get(imported.id));
  assert.equal(hidden?.status, 404);
  const refused = await rejection(
    sogni.projects.personalLoras.import({ url: 'https://example.com/x.safetensors', name: 'x', modelId: 'z_image_turbo_bf16', rightsConfirmed: true })
  );
  assert.ok(refused instanceof ApiError && refused.status === 400);
  await sogni.projects.personalLoras.remove(imported.id);
  assert.equal((await rejection(sogni.projects.personalLoras.get(imported.id)))?.status, 404);
});

test('projects: getStatus / get, presigned URLs, cancel by id, trackedProjects, model helpers, enhancement estimate', async () => {
  const project = await sogni.projects.create({ type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'a kite', numberOfMedia: 1, steps: 2, width: 256, height: 256 });
  assert.ok(sogni.projects.trackedProjects.some((p) => p.id === project.id));
  // The server knows the project once its jobRequest arrived: poll the live lookup.
  let live;
  for (let i = 0; i < 100 && !live; i++) {
    live = await sogni.projects.getStatus(project.id).catch((e) => (e.status === 404 ? null : Promise.reject(e)));
    if (!live) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(live.id, project.id);
  assert.ok(['pending', 'queued', 'processing', 'completed'].includes(live.status), live.status);
  const [url] = await project.waitForCompletion(AbortSignal.timeout(20_000));
  const finished = await sogni.projects.getStatus(project.id);
  assert.equal(finished.finished, true);
  const record = await sogni.projects.get(project.id);
  assert.equal(record.id, project.id);
  const notMine = await rejection(other.projects.getStatus(project.id));
  assert.equal(notMine?.status, 404);
  const jobId = project.jobs[0].id;
  const download = await sogni.projects.downloadUrl({ jobId: project.id, imageId: jobId, type: 'complete' });
  assert.equal((await fetch(download)).status, 200);
  assert.ok(url);
  const upload = await sogni.projects.uploadUrl({ imageId: 'IMG-1', jobId: 'JOB-1', type: 'startingImage' });
  assert.equal((await fetch(upload, { method: 'PUT', body: PNG, headers: { 'content-type': 'image/png' } })).status, 200);
  const mediaUp = await sogni.projects.mediaUploadUrl({ jobId: 'JOB-2', type: 'referenceAudio', contentType: 'audio/mpeg' });
  assert.match(mediaUp, /^http/);
  const viaMedia = await sogni.projects.mediaDownloadUrl({ jobId: project.id, id: jobId, type: 'complete' });
  assert.equal((await fetch(viaMedia)).status, 200);

  const slow = await sogni.projects.create({ type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'slow', numberOfMedia: 4, steps: 12, width: 256, height: 256 });
  await new Promise((resolve) => slow.once('progress', resolve));
  await sogni.projects.cancel(slow.id);
  assert.equal(slow.status, 'canceled');

  await sogni.projects.waitForModels();
  assert.equal(sogni.projects.isVideoModelId('wan_v2.2-14b-fp8_t2v'), true);
  assert.equal(sogni.projects.isAudioModelId('ace_step_1.5_turbo'), true);
  assert.equal(sogni.projects.isVideoModelId('flux1-schnell-fp8'), false);
  assert.equal(sogni.projects.isModelArtifactModelId('pixal3d_int8_i23d'), true);
  const cfg = await sogni.projects.getVideoAssetConfig('wan_v2.2-14b-fp8_i2v');
  assert.equal(cfg.workflowType, 'i2v');
  assert.deepEqual([cfg.assets.referenceImage, cfg.assets.referenceAudio, cfg.assets.referenceVideo], ['optional', 'forbidden', 'forbidden']);
  const notVideo = await rejection(sogni.projects.getVideoAssetConfig('flux1-schnell-fp8'));
  assert.ok(notVideo instanceof ApiError && notVideo.status === 400);
  const enhance = await sogni.projects.estimateEnhancementCost('heavy');
  assert.ok(Number(enhance.spark) > 0);
});

test('root helpers and constants: model kinds, MiniMax H3 frames, Pixal3D slots, retryable chat errors, subscription codes', () => {
  assert.deepEqual(sdk.SUBSCRIPTION_ERROR_CODES, { NOT_ENTITLED: 4078, QUEUE_CAP: 4079, GRACE_RETRY: 4080, SUBSCRIPTION_FEATURE_REQUIRES_UPGRADE: 4081 });
  assert.deepEqual([...sdk.RETRYABLE_CHAT_ERROR_TYPES], ['server_restarting', 'transport_lost']);
  assert.equal(sdk.isRetryableChatError(new sdk.ChatJobError('lost', { errorType: 'transport_lost' })), true);
  assert.equal(sdk.isRetryableChatError({ errorType: 'model_unavailable' }), false);
  assert.equal(sdk.isRetryableChatError(null), false);
  assert.equal(sdk.PIXAL3D_MULTIVIEW_IMAGE_TO_3D_MODEL_ID, 'pixal3d_multiview_int8_i23d');
  assert.deepEqual(sdk.PIXAL3D_ORBIT_VIEW_SLOTS, { leftViewImage: 1, backViewImage: 2, rightViewImage: 3 });
  assert.equal(sdk.isVideoModel('ltx23-22b-fp8_t2v_distilled'), true);
  assert.equal(sdk.isVideoModel('flux1-schnell-fp8'), false);
  assert.equal(sdk.isAudioModel('ace_step_1.5_turbo'), true);
  assert.equal(sdk.isVideoUpscaleModel(sdk.FLASHVSR_VIDEO_UPSCALE_MODEL_ID), true);
  assert.equal(sdk.isModelArtifactModel(sdk.PIXAL3D_IMAGE_TO_3D_MODEL_ID), true);
  assert.equal(sdk.isPixal3dModel(sdk.PIXAL3D_IMAGE_TO_3D_MODEL_ID), true);
  assert.equal(sdk.isPixal3dMultiViewModel(sdk.PIXAL3D_IMAGE_TO_3D_MODEL_ID), false);
  assert.equal(sdk.isSegmentationModel(sdk.SAM3_IMAGE_SEGMENT_MODEL_ID), true);
  assert.equal(sdk.requiresStartingImage(sdk.BIREFNET_BACKGROUND_REMOVAL_MODEL_ID), true);
  assert.equal(sdk.requiresStartingImage('flux1-schnell-fp8'), false);
  assert.equal(sdk.isMinimaxH3AudioGuideModel(sdk.MINIMAX_H3_FASTH3_FLFA2V_MODEL_ID), true);
  assert.equal(sdk.isMinimaxH3AudioGuideModel(`${sdk.MINIMAX_H3_FASTH3_A2V_MODEL_ID}_2stage`), true);
  assert.deepEqual([1, 5.9, 6, 20, 100].map(sdk.getMinimaxH3FramesForAudioDuration), [124, 158, 158, 362, 362]);
  assert.throws(() => sdk.getMinimaxH3FramesForAudioDuration(0));
  const left = new Blob(['l']);
  assert.deepEqual(sdk.getPixal3dOrbitViewSlots({ leftViewImage: left, rightViewImage: 'r', backViewImage: false }), [
    { view: 'leftViewImage', slot: 1, media: left },
    { view: 'rightViewImage', slot: 3, media: 'r' }
  ]);
});

test('wallet: getWallet signs typed data like ethers; withdraw and deposit with permits; approveTokenUsage; create an account', async () => {
  const { readFileSync } = await import('node:fs');
  const vectors = JSON.parse(readFileSync(new URL('../../src/wallet/fixtures/typed_data.json', import.meta.url), 'utf8'));
  const wallet = sogni.account.getWallet('demo', 'demo-password');
  assert.equal(wallet.address, vectors.address);
  const permit = vectors.cases[0];
  assert.equal(await wallet.signTypedData(permit.domain, permit.types, permit.message), permit.signature);

  const user = await SogniClient.createInstance(config({ appId: `surface-wallet-${process.pid}` }));
  try {
    await user.account.login('demo', 'demo-password');
    await user.account.me();
    const address = user.currentAccount.walletAddress;
    const sogniOf = async () => Number((await user.account.refreshBalance()).sogni.net);
    const chainOf = async () => Number((await user.account.walletBalance(address)).sogni);
    const [account0, chain0] = [await sogniOf(), await chainOf()];
    await user.account.withdraw('demo-password', '1.5');
    assert.ok(Math.abs((await sogniOf()) - (account0 - 1.5)) < 1e-9);
    assert.ok(Math.abs((await chainOf()) - (chain0 + 1.5)) < 1e-9);
    const wrong = await rejection(user.account.withdraw('not-the-password', 1));
    assert.ok(wrong instanceof ApiError && wrong.status === 400 && wrong.message === 'Incorrect password', String(wrong));
    await user.account.approveTokenUsage('demo-password', 'account');
    await user.account.deposit('demo-password', 0.5);
    assert.ok(Math.abs((await sogniOf()) - (account0 - 1)) < 1e-9);
    const history = await user.account.transactionHistory({ status: 'completed', address, limit: 10 });
    assert.ok(history.entries.some((e) => e.description === 'Withdraw to wallet' && e.amount === 1.5));
    assert.ok(history.entries.some((e) => e.description === 'Deposit from wallet' && e.amount === 0.5));
    const keyRefused = await rejection(sogni.account.withdraw('demo-password', 1));
    assert.equal(keyRefused?.status, 403, 'API keys cannot move tokens');
  } finally {
    user.dispose();
  }

  const fresh = await SogniClient.createInstance(config({ appId: `surface-signup-${process.pid}`, disableSocket: true }));
  try {
    const username = `new_${process.pid}`.slice(0, 20);
    const tokens = await fresh.account.create({ username, email: `${username}@example.test`, password: 'pw-123456', subscribe: true });
    assert.ok(tokens.token && tokens.refreshToken);
    assert.equal((await fresh.account.me()).username, username);
    assert.equal(fresh.currentAccount.walletAddress, fresh.account.getWallet(username, 'pw-123456').address);
    const again = await rejection(fresh.account.create({ username, email: 'x@example.test', password: 'other' }));
    assert.equal(again?.payload?.errorCode ?? again?.errorCode, 108);
  } finally {
    fresh.dispose();
  }
});

test('emitters and the socket object: once, removeAllListeners, account.currentAccount, apiClient.socket switchNetwork/send', async () => {
  assert.equal(sogni.account.currentAccount.walletAddress, sogni.currentAccount.walletAddress);
  let calls = 0;
  sogni.currentAccount.once('updated', () => calls++);
  sogni.projects.once('availableModels', () => {});
  sogni.projects.removeAllListeners('availableModels');
  await sogni.account.refreshBalance();
  await sogni.account.refreshBalance();
  assert.equal(calls, 1, 'once fires once');
  const counted = [];
  sogni.currentAccount.on('updated', () => counted.push(1));
  sogni.currentAccount.removeAllListeners();
  await sogni.account.refreshBalance();
  assert.deepEqual(counted, []);
  assert.equal(sogni.apiClient.appId, `surface-${process.pid}`);
  assert.equal(sogni.apiClient.socket.appId, `surface-${process.pid}`);
  assert.equal(await sogni.apiClient.socket.switchNetwork('relaxed'), 'relaxed');
  assert.equal(sogni.apiClient.socket.supernetType, 'relaxed');
  assert.equal(await sogni.apiClient.socket.switchNetwork('fast'), 'fast');
  const updated = new Promise((resolve) => sogni.apiClient.socket.once('socketEventSubscriptionsUpdated', resolve));
  await sogni.apiClient.socket.send('setSocketEventSubscriptions', { subscriptions: { toastMessage: true } });
  assert.equal((await updated).socketEventSubscriptions.toastMessage, true);
});

test('apiClient.socket.disconnect / connect', async () => {
  const c = await SogniClient.createInstance(config({ appId: `surface-sock-${process.pid}`, apiKey: 'demo-api-key' }));
  try {
    await c.projects.waitForModels();
    assert.equal(c.apiClient.socket.isConnected, true);
    c.apiClient.socket.disconnect();
    assert.equal(c.apiClient.socket.isConnected, false);
    const up = new Promise((resolve) => c.apiClient.socket.once('authenticated', resolve));
    c.apiClient.socket.connect();
    assert.equal((await up).username, 'demo');
    assert.equal(c.apiClient.socket.isConnected, true);
    assert.equal(c.apiClient.appSource, undefined);
    assert.equal(await c.apiClient.socket.switchNetwork('fast'), 'fast', 'the new connection carries work');
  } finally {
    c.dispose();
  }
});
