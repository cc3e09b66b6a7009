// Durable creative workflows and templates: an inline plan whose steps render real media,
// the SSE event stream read with for await (stopping on the workflow's end, resuming after
// an id), get/list/events, cost approval with resume, reseed, cancel, client-side refusal
// of inline media, parseCreativeWorkflowSseChunk; template create/get/update/list/fork/
// delete and a workflow started from a saved template.
import { scenario, client, assert, within, sdk, fetchImage } from '../lib.mjs';

async function collect(iterable, max = 100) {
  const out = [];
  for await (const frame of iterable) {
    out.push(frame);
    if (out.length >= max) break;
  }
  return out;
}

await scenario('creative workflows and templates', async (track) => {
  const sogni = track(await client());
  const { parseCreativeWorkflowSseChunk } = await sdk();

  const wf = await sogni.workflows.start({
    input: {
      title: 'Lighthouse',
      steps: [
        { id: 'image', toolName: 'generate_image', arguments: { prompt: 'a lighthouse at dusk', width: 192, height: 128 } },
        {
          id: 'prompt',
          toolName: 'enhance_prompt',
          arguments: { prompt: 'a lighthouse at dusk', target_output: 'video_prompt' },
          dependsOn: [{ sourceStepId: 'image', targetArgument: 'reference_image_url', transform: 'image_url' }]
        }
      ]
    },
    tokenType: 'spark'
  });
  assert.match(wf.workflowId, /^wf_/);
  const frames = await within(30_000, collect(sogni.workflows.streamEvents(wf.workflowId)), 'workflow events');
  assert.equal(frames[0].event, 'workflow_started');
  assert.equal(frames.at(-1).event, 'workflow_completed');
  assert.equal(frames.at(-1).data.status, 'completed');
  assert.ok(frames.slice(0, -1).every((f) => !['completed', 'failed', 'cancelled'].includes(f.data?.status)));
  const artifact = frames.find((f) => f.event === 'artifact_created').data.data;
  const img = await fetchImage(artifact.url);
  assert.deepEqual([img.width, img.height], [192, 128]);
  const tail = await collect(sogni.workflows.streamEvents(wf.workflowId, { lastEventId: frames.length - 1 }));
  assert.deepEqual(tail.map((f) => f.id), [String(frames.length)]);
  assert.deepEqual(parseCreativeWorkflowSseChunk(frames.map((f) => f.raw).join('\r\n\r\n')), frames);

  const record = await sogni.workflows.get(wf.workflowId);
  assert.equal(record.status, 'completed');
  assert.equal(record.steps[1].arguments.reference_image_url, artifact.url);
  assert.equal((await sogni.workflows.events(wf.workflowId)).length, frames.length);
  assert.ok((await sogni.workflows.list({ limit: 100 })).some((w) => w.workflowId === wf.workflowId));

  const reseed = await sogni.workflows.reseed(wf.workflowId, { seedOverrides: { image: 42 } });
  assert.equal(reseed.reseed.clonedFromRunId, wf.workflowId);
  assert.deepEqual(reseed.reseed.steps.find((s) => s.stepId === 'image'), { stepId: 'image', seed: 42 });
  await within(30_000, collect(sogni.workflows.streamEvents(reseed.workflow.workflowId)), 'reseeded run');

  const paused = await sogni.workflows.start({
    input: { steps: [{ toolName: 'generate_image', arguments: { prompt: 'costly' } }] },
    maxEstimatedCapacityUnits: 0.000001
  });
  const [waiting] = await within(10_000, collect(sogni.workflows.streamEvents(paused.workflowId), 1), 'pause');
  assert.equal(waiting.data.status, 'waiting_for_user');
  assert.equal((await sogni.workflows.get(paused.workflowId)).waitingReason, 'cost_approval_required');
  const resumed = await sogni.workflows.resume(paused.workflowId);
  assert.equal(resumed.resumed, true);
  const rest = await within(30_000, collect(sogni.workflows.streamEvents(paused.workflowId, { after: 1 })), 'after resume');
  assert.equal(rest.at(-1).data.status, 'completed');

  const stopped = await sogni.workflows.start({
    input: { steps: [{ toolName: 'generate_image', arguments: { prompt: 'never' } }] },
    maxEstimatedCapacityUnits: 0.000001
  });
  await within(10_000, collect(sogni.workflows.streamEvents(stopped.workflowId), 1), 'pause');
  assert.equal((await sogni.workflows.cancel(stopped.workflowId)).status, 'cancelled');

  const inline = await sogni.workflows
    .start({ input: { steps: [] }, mediaReferences: [{ url: 'data:image/png;base64,AAAA' }] })
    .then(() => null, (e) => e);
  assert.ok(inline instanceof Error && /mediaReferences\[0\]\.url/.test(inline.message), String(inline));
  const unknown = await sogni.workflows.start({ input: { steps: [{ toolName: 'teleport', arguments: {} }] } }).then(() => null, (e) => e);
  assert.equal(unknown?.status, 400);

  // Templates.
  const system = await sogni.workflows.templates.list({ visibility: 'public' });
  assert.ok(system.templates.some((t) => t.id === 'tpl_system_product_shot'));
  const mine = await sogni.workflows.templates.create({
    id: 'ignored',
    name: 'Conformance kite',
    version: '1.0.0',
    description: 'A kite',
    inputs: [{ name: 'subject', type: 'string', required: true }],
    stages: [{ id: 'img', toolName: 'generate_image', arguments: { prompt: '{{subject}} over a beach', width: 64, height: 64 } }]
  });
  assert.match(mine.id, /^tpl_/);
  assert.equal((await sogni.workflows.templates.get(mine.id)).name, 'Conformance kite');
  assert.equal((await sogni.workflows.templates.update(mine.id, { description: 'Red kite' })).description, 'Red kite');
  assert.ok((await sogni.workflows.templates.list({ visibility: 'own', limit: 200 })).templates.some((t) => t.id === mine.id));
  const run = await sogni.workflows.start({ workflowId: mine.id, inputs: { subject: 'a red kite' } });
  const runFrames = await within(30_000, collect(sogni.workflows.streamEvents(run.workflowId)), 'template run');
  assert.equal(runFrames.at(-1).data.status, 'completed');
  assert.equal((await sogni.workflows.get(run.workflowId)).steps[0].arguments.prompt, 'a red kite over a beach');
  const fork = await sogni.workflows.templates.fork(mine.id, { newName: 'Kite copy' });
  assert.equal(fork.name, 'Kite copy');
  await sogni.workflows.templates.delete(fork.id);
  await sogni.workflows.templates.delete(mine.id);
  const gone = await sogni.workflows.templates.get(mine.id).then(() => null, (e) => e);
  assert.equal(gone?.status, 404);
  return `${frames.length} events, ${system.templates.length} public templates`;
});
