// Replay records (flat answers, redaction), the leaderboard after a render, announcements
// (active, platform-scoped, dismiss) and the live appAlert a connection opts in to.
import { scenario, client, env, assert, within } from '../lib.mjs';

await scenario('replay, stats and announcements', async (track) => {
  const sogni = track(await client());
  const runId = `conformance-${process.pid}-${Date.now()}`;
  const written = await sogni.replay.write({
    run_id: runId,
    schema_version: 2,
    model_id: 'qwen3.6-35b-a3b-gguf-iq4xs',
    user_request: 'use sk-abcdefghijklmnopqrstu for this',
    rounds: [{ n: 1 }],
    final_response: { content: 'done' }
  });
  assert.equal(written.runId, runId);
  assert.equal(written.redacted, true);
  const { records } = await sogni.replay.list({ limit: 200 });
  assert.equal(records.find((r) => r.runId === runId).rounds, 1);
  const got = await sogni.replay.get(runId);
  assert.equal(got.record.user_request, 'use [REDACTED] for this');
  assert.equal(got.createTime, written.createTime);
  const missing = await sogni.replay.get('no-such-run').then(() => null, (e) => e);
  assert.equal(missing?.status, 404);

  await within(10_000, sogni.projects.waitForModels(), 'models');
  const project = await sogni.projects.create({
    type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'a tally mark', numberOfMedia: 1, steps: 1,
    sizePreset: 'custom', width: 256, height: 256
  });
  await within(20_000, project.waitForCompletion(), 'render');
  const rows = await sogni.stats.leaderboard({ type: 'jobCompleteArtist', period: 'day', limit: 10 });
  const me = rows.find((r) => r.username === 'demo');
  assert.ok(me && Number(me.value) >= 1, JSON.stringify(rows));
  assert.equal(typeof me.value, 'string');

  const active = await sogni.announcements.active();
  assert.ok(!active.some((a) => a.id === 'ann-mac'), 'a platform-scoped announcement needs its platform');

  const updated = new Promise((resolve) => sogni.apiClient.socket.once('socketEventSubscriptionsUpdated', resolve));
  await sogni.setSocketEventSubscriptions({ appAlert: true });
  await within(5_000, updated, 'subscription confirmation');
  const alert = new Promise((resolve) => sogni.apiClient.socket.once('appAlert', resolve));
  const platform = `conformance-${runId}`;
  await fetch(new URL('/emulator/announcements', env.rest), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: `Conformance ${runId}`, kind: 'banner', platforms: [platform] })
  });
  const live = await within(5_000, alert, 'appAlert');
  assert.equal(live.title, `Conformance ${runId}`);
  assert.ok(!(await sogni.announcements.active()).some((a) => a.id === live.id));
  assert.ok((await sogni.announcements.active(platform)).some((a) => a.id === live.id));
  await sogni.announcements.dismiss(live.id);
  assert.ok(!(await sogni.announcements.active(platform)).some((a) => a.id === live.id));
  return `${records.length} replay records, rank ${me.rank}`;
});
