// A second user (other-api-key) is refused on the first user's workflows, private
// templates and replay records (404: they do not exist for it), and may read but not
// change a public template (403); lists never show the other user's things.
import { scenario, client, env, assert, within, sdk } from '../lib.mjs';

async function drain(iterable) {
  for await (const _ of iterable) {
    /* read to the end */
  }
}

await scenario('owner isolation of workflows, templates and replay', async (track) => {
  const sogni = track(await client());
  const { SogniClient, ApiError } = await sdk();
  const other = await SogniClient.createInstance({
    appId: `conformance-other-${process.pid}`,
    network: 'fast',
    restEndpoint: env.rest,
    socketEndpoint: env.socket,
    logLevel: 'error',
    apiKey: 'other-api-key',
    disableSocket: true
  });
  try {
    const wf = await sogni.workflows.start({ input: { steps: [{ toolName: 'compose_lyrics', arguments: { prompt: 'a harbour' } }] } });
    await within(10_000, drain(sogni.workflows.streamEvents(wf.workflowId)), 'workflow');
    const tpl = await sogni.workflows.templates.create({ name: 'Owner only', version: '1', description: 'private' });
    const runId = `owned-${process.pid}-${Date.now()}`;
    await sogni.replay.write({ run_id: runId, user_request: 'mine' });

    const calls = {
      'workflows.get': () => other.workflows.get(wf.workflowId),
      'workflows.events': () => other.workflows.events(wf.workflowId),
      'workflows.streamEvents': () => drain(other.workflows.streamEvents(wf.workflowId)),
      'workflows.cancel': () => other.workflows.cancel(wf.workflowId),
      'workflows.resume': () => other.workflows.resume(wf.workflowId),
      'workflows.reseed': () => other.workflows.reseed(wf.workflowId),
      'templates.get': () => other.workflows.templates.get(tpl.id),
      'templates.update': () => other.workflows.templates.update(tpl.id, { name: 'taken' }),
      'templates.delete': () => other.workflows.templates.delete(tpl.id),
      'templates.fork': () => other.workflows.templates.fork(tpl.id),
      'replay.get': () => other.replay.get(runId)
    };
    for (const [name, call] of Object.entries(calls)) {
      const e = await call().then(() => null, (err) => err);
      assert.ok(e instanceof ApiError, `${name}: ${e}`);
      assert.equal(e.status, 404, `${name}: HTTP ${e.status}`);
    }
    assert.ok(!(await other.workflows.list({ limit: 100 })).some((w) => w.workflowId === wf.workflowId));
    assert.ok(!(await other.workflows.templates.list({ limit: 200 })).templates.some((t) => t.id === tpl.id));
    assert.ok(!(await other.replay.list({ limit: 200 })).records.some((r) => r.runId === runId));

    await sogni.workflows.templates.update(tpl.id, { visibility: 'public' });
    assert.equal((await other.workflows.templates.get(tpl.id)).id, tpl.id);
    for (const call of [
      () => other.workflows.templates.update(tpl.id, { name: 'taken' }),
      () => other.workflows.templates.delete(tpl.id)
    ]) {
      const e = await call().then(() => null, (err) => err);
      assert.equal(e?.status, 403);
    }
    const fork = await other.workflows.templates.fork(tpl.id, { newName: 'Forked by other' });
    assert.equal(fork.visibility, 'private');
    await other.workflows.templates.delete(fork.id);
    assert.equal((await sogni.workflows.templates.get(tpl.id)).name, 'Owner only');
    await sogni.workflows.templates.delete(tpl.id);
    return `${Object.keys(calls).length} refusals (404), 2 on a public template (403)`;
  } finally {
    other.dispose();
  }
});
