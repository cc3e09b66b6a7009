// Hosted chat on the API host: OpenAI-shaped completions, server-side Sogni tools that
// render real media, direct tool execution, and durable chat runs (SSE events with
// Last-Event-ID replay, idempotent create, cost approval, cancel, owner scoping).
import { scenario, client, env, fetchImage, assert, within, sdk } from '../lib.mjs';

const MODEL = 'qwen3.6-35b-a3b-gguf-iq4xs';

/** Collects run events until one of `stopAt` (or the server closes the stream). */
async function collect(sogni, runId, stopAt, options) {
  const events = [];
  for await (const event of sogni.chat.runs.streamEvents(runId, options)) {
    events.push(event);
    if (stopAt.includes(event.type)) break;
  }
  return events;
}

await scenario('hosted chat, tools and durable runs', async (track) => {
  const sogni = track(await client());
  const { ChatJobError, SogniClient } = await sdk();

  // Hosted completion: a flat OpenAI object.
  const hosted = await sogni.chat.hosted.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Write one concise product caption.' }],
    think: false,
    tokenType: 'spark'
  });
  assert.equal(hosted.object, 'chat.completion');
  assert.ok(hosted.id.startsWith('chatcmpl-'));
  assert.equal(hosted.choices[0].finish_reason, 'stop');
  assert.match(hosted.choices[0].message.content, /^You said: "Write one concise product caption\."/);
  assert.ok(hosted.usage.completion_tokens > 0);

  const unknown = await sogni.chat.hosted
    .create({ model: 'no-such-llm', messages: [{ role: 'user', content: 'x' }] })
    .then(() => null, (e) => e);
  assert.ok(unknown instanceof ChatJobError, `ChatJobError (${unknown})`);
  assert.equal(unknown.errorType, 'model_unavailable');
  assert.equal(unknown.status, 404);

  // Server-side Sogni tools: the image is rendered before the answer comes back.
  const withTools = await within(
    30_000,
    sogni.chat.hosted.create({
      model: MODEL,
      tokenType: 'spark',
      sogni_tools: true,
      sogni_tool_execution: true,
      messages: [{ role: 'user', content: 'Generate an image of "a lighthouse at dusk"' }]
    }),
    'hosted tool execution'
  );
  const [toolResult] = withTools.sogni_tool_results;
  assert.equal(toolResult.tool, 'generate_image');
  const url = toolResult.result.urls[0];
  assert.ok(withTools.choices[0].message.content.includes(url), 'the answer links the image');
  const img = await fetchImage(url);
  assert.deepEqual([img.format, img.width, img.height], ['png', 512, 512]);

  // Direct tool execution.
  const lyrics = await sogni.chat.hosted.executeTool({ tool: 'compose_lyrics', arguments: { prompt: 'rain on a tin roof' } });
  assert.equal(lyrics.status, 'success');
  assert.equal(lyrics.data.tool, 'compose_lyrics');
  assert.match(lyrics.data.result.lyrics, /\[Chorus\]/);
  const picture = await sogni.chat.hosted.executeTool({
    tool: 'generate_image',
    tokenType: 'spark',
    arguments: { prompt: 'a blue door', width: 384, height: 256, outputFormat: 'jpg' }
  });
  const door = await fetchImage(picture.data.result.urls[0]);
  assert.deepEqual([door.format, door.width, door.height], ['jpeg', 384, 256]);

  // A durable run: events stream until run_completed; replay resumes after Last-Event-ID.
  const run = await sogni.chat.runs.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Plan a 3-shot product video.' }],
    tokenType: 'spark',
    sessionId: 'session-123',
    idempotencyKey: `message-${process.pid}`
  });
  assert.ok(['queued', 'running'].includes(run.status));
  assert.equal(run.request.sessionId, 'session-123');
  const again = await sogni.chat.runs.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Plan a 3-shot product video.' }],
    idempotencyKey: `message-${process.pid}`
  });
  assert.equal(again.runId, run.runId, 'the same Idempotency-Key returns the same run');
  const events = await within(20_000, collect(sogni, run.runId, ['run_completed', 'run_failed']), 'run events');
  assert.equal(events.at(-1).type, 'run_completed');
  assert.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1));
  const answer = events.filter((e) => e.type === 'assistant_message_delta').map((e) => e.payload.delta).join('');
  assert.match(answer, /^You said: "Plan a 3-shot product video\."/);
  const replay = await collect(sogni, run.runId, ['run_completed'], { lastEventId: events.length - 2 });
  assert.deepEqual(replay.map((e) => e.sequence), [events.length - 1, events.length]);
  const done = await sogni.chat.runs.get(run.runId);
  assert.equal(done.status, 'completed');
  assert.equal(done.finalResponse.content, answer);

  // Cost approval: the run pauses before a paid tool, the preview is confirmed, the image renders.
  const paid = await sogni.chat.runs.create({
    model: MODEL,
    tokenType: 'spark',
    messages: [{ role: 'user', content: 'Generate an image of "a paper boat"' }],
    runtimeConfig: { requireJobConfirmation: true }
  });
  const paused = await within(20_000, collect(sogni, paid.runId, ['run_waiting_for_user']), 'cost pause');
  const waiting = paused.at(-1);
  assert.equal(waiting.payload.reason, 'cost_approval_required');
  const { toolCallId, costApprovalPreview } = waiting.payload.details;
  assert.ok(costApprovalPreview.totalEstimatedCapacityUnits > 0);
  const missing = await sogni.chat.runs
    .confirmCost(paid.runId, { toolCallId, decision: 'confirm' })
    .then(() => null, (e) => e);
  assert.equal(missing?.status, 400, 'a confirm without the preview is refused');
  const resumed = await sogni.chat.runs.confirmCost(paid.runId, {
    toolCallId,
    decision: 'confirm',
    acceptedCostPreview: costApprovalPreview,
    idempotencyKey: `confirm-${toolCallId}`
  });
  assert.equal(resumed.status, 'running');
  const rest = await within(
    30_000,
    collect(sogni, paid.runId, ['run_completed', 'run_failed'], { lastEventId: waiting.sequence }),
    'run after approval'
  );
  const artifact = rest.find((e) => e.type === 'artifact_created');
  assert.ok(artifact, `artifact_created in ${rest.map((e) => e.type).join(',')}`);
  assert.equal(rest.at(-1).type, 'run_completed');
  const boat = await fetchImage(artifact.payload.url);
  assert.equal(boat.width, 512);
  const finished = await sogni.chat.runs.get(paid.runId);
  assert.deepEqual(finished.mediaContext.images, [artifact.payload.url]);

  // Cancel, and owner scoping.
  const slow = await sogni.chat.runs.create({
    messages: [{ role: 'user', content: 'make a video of waves' }],
    maxEstimatedCapacityUnits: 0.000001
  });
  await within(20_000, collect(sogni, slow.runId, ['run_waiting_for_user']), 'pause before the video');
  const cancelled = await sogni.chat.runs.cancel(slow.runId, 'changed my mind');
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.cancellationReason, 'changed my mind');
  const other = await SogniClient.createInstance({
    appId: `conformance-other-${process.pid}`,
    network: 'fast',
    restEndpoint: env.rest,
    socketEndpoint: env.socket,
    apiKey: 'other-api-key',
    logLevel: 'error'
  });
  try {
    const hidden = await other.chat.runs.get(run.runId).then(() => null, (e) => e);
    assert.equal(hidden?.status, 404, "another account cannot read the run");
  } finally {
    await other.dispose?.();
  }
  // Durable runs take uploaded URLs, never inline data.
  const inline = await sogni.chat.runs
    .create({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] })
    .then(() => null, (e) => e);
  assert.ok(inline, 'inline media is refused');

  return `hosted ${hosted.usage.total_tokens} tokens; tool image ${img.width}x${img.height}; run ${events.length} events; approved run -> ${boat.format}`;
});
