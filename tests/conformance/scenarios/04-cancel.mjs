// Cancel a running project: the server confirms, the project ends as canceled,
// waitForCompletion rejects (5.54 semantics), and the server's record says canceled.
import { scenario, client, env, assert, within } from '../lib.mjs';

await scenario('cancel a running project', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const project = await sogni.projects.create({
    type: 'image',
    modelId: 'flux1-schnell-fp8',
    positivePrompt: 'a very slow render',
    numberOfMedia: 2,
    steps: 10,
    sizePreset: 'custom',
    width: 256,
    height: 256
  });
  const settled = project.waitForCompletion().then(
    () => ({ resolved: true }),
    (error) => ({ resolved: false, error })
  );
  await within(10_000, new Promise((resolve) => project.once('progress', resolve)), 'first progress');
  await within(10_000, project.cancel(), 'cancel confirmation');
  assert.equal(project.status, 'canceled');
  const outcome = await within(10_000, settled, 'waitForCompletion after cancel');
  assert.equal(outcome.resolved, false, 'waitForCompletion rejects on cancel');
  const res = await fetch(new URL(`/v2/projects/${project.id}`, env.rest), { headers: { 'api-key': env.apiKey } });
  const body = await res.json();
  assert.equal(body.data.project.status, 'canceled', 'server record is canceled');
  return `status ${project.status}, rejected with ${JSON.stringify(outcome.error?.message ?? outcome.error)}`;
});
