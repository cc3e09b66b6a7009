// `sogni.chat` of the packed package (pkg/node.js) in Node 22 against the emulator's LLM:
// streaming with `for await`, a tool-calling round trip, vision from a File, abort mid-stream,
// typed errors before the wire and from the server, hosted chat and chat-run events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PNG_4x4 } from './media.mjs';
import { endpoints, sdk } from './harness.mjs';

const { REST, SOCKET, stats } = endpoints();
const { SogniClient, ChatStream, ChatJobError, ValidationError, AbortError, SogniTools, isSogniToolCall, parseToolCallArguments } = sdk;

const MODEL = 'qwen3.6-35b-a3b-gguf-iq4xs';

let sogni;
before(async () => {
  sogni = await SogniClient.createInstance({
    appId: `chat-${process.pid}`,
    restEndpoint: REST,
    socketEndpoint: SOCKET,
    apiKey: 'demo-api-key',
    logLevel: 'error'
  });
  const models = await sogni.chat.waitForModels();
  assert.ok(models[MODEL]?.workers > 0, `the default model has workers: ${JSON.stringify(models)}`);
});
after(() => sogni?.dispose());

test('a streamed completion yields chunks with for await; finalResult and events agree', async () => {
  const tokens = [];
  const offToken = sogni.chat.on('token', (c) => tokens.push(c));
  const completed = new Promise((resolve) => sogni.chat.once('completed', resolve));
  const stream = await sogni.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Tell me about lighthouses' }],
    stream: true
  });
  assert.ok(stream instanceof ChatStream);
  assert.equal(stream.finalResult, null, 'no result while streaming');
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.jobID, stream.jobID);
    text += chunk.content;
    chunks++;
  }
  offToken();
  assert.ok(chunks > 3, `several chunks (${chunks})`);
  assert.match(text, /lighthouses/i, 'the emulator echoes the prompt');
  const result = stream.finalResult;
  assert.equal(result.content, text);
  assert.equal(result.finishReason, 'stop');
  assert.ok(result.usage.completion_tokens > 0);
  assert.ok(Number(result.cost.costInToken) > 0, 'a settled cost');
  assert.deepEqual(await completed, result, "the 'completed' event carries the same result");
  assert.equal(tokens.filter((t) => t.jobID === stream.jobID).length, chunks, "one 'token' event per chunk");
});

test('a tool-calling round trip: the call, then the answer from the tool result', async () => {
  const tools = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather',
        parameters: {
          type: 'object',
          properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
          required: ['location', 'unit']
        }
      }
    }
  ];
  const messages = [{ role: 'user', content: 'Use the get_weather tool for "Oslo"' }];
  const stream = await sogni.chat.completions.create({ model: MODEL, messages, tools, stream: true });
  for await (const _ of stream);
  const first = stream.finalResult;
  assert.equal(first.finishReason, 'tool_calls');
  assert.equal(first.tool_calls.length, 1, 'the streamed deltas merge into one call');
  const call = first.tool_calls[0];
  assert.deepEqual(parseToolCallArguments(call), { location: 'Oslo', unit: 'celsius' });
  assert.equal(isSogniToolCall(call), false);
  const answer = await sogni.chat.completions.create({
    model: MODEL,
    tools,
    messages: [
      ...messages,
      { role: 'assistant', content: null, tool_calls: first.tool_calls },
      { role: 'tool', tool_call_id: call.id, name: 'get_weather', content: '{"temperature":-3,"sky":"snow"}' }
    ]
  });
  assert.equal(answer.finishReason, 'stop');
  assert.match(answer.content, /snow/);
  // The Sogni tool definitions come from the protocol manifest, outside the wasm.
  assert.equal(SogniTools.generateImage.function.name, 'generate_image');
  assert.ok(SogniTools.all.length >= 24);
  assert.equal(isSogniToolCall({ id: 'x', type: 'function', function: { name: 'generate_image', arguments: '{}' } }), true);
});

test('vision: a File image is sent as a data URI and described by the model', async () => {
  const file = new File([PNG_4x4], 'red.png', { type: 'image/png' });
  const result = await sogni.chat.completions.create({
    model: MODEL,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: file } },
          { type: 'text', text: 'What is in this image?' }
        ]
      }
    ]
  });
  assert.match(result.content, /1 image/);
  assert.match(result.content, /PNG 4×4/);
});

test('vision limits and bad params are typed errors before anything is sent', async () => {
  const before = await stats();
  const bad = [
    [{ messages: 'hello' }, ValidationError],
    [
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' } }] }
        ]
      },
      Error
    ],
    [
      {
        messages: [
          {
            role: 'user',
            content: Array.from({ length: 21 }, () => ({ type: 'image_url', image_url: { url: new Blob([PNG_4x4], { type: 'image/png' }) } }))
          }
        ]
      },
      Error
    ]
  ];
  for (const [params, kind] of bad) {
    await assert.rejects(sogni.chat.completions.create({ model: MODEL, ...params }), (e) => {
      assert.ok(e instanceof kind, `${e}`);
      assert.ok(e.code, `a code on ${e}`);
      return true;
    });
  }
  await assert.rejects(
    sogni.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true, autoExecuteTools: true }),
    /autoExecuteTools is not supported with stream: true/
  );
  const after = await stats();
  assert.equal(after.llmJobRequests, before.llmJobRequests, 'no llmJobRequest reached the server');
});

test('a server-side chat failure is a ChatJobError with the server fields', async () => {
  await assert.rejects(
    sogni.chat.completions.create({ model: 'no-such-llm', messages: [{ role: 'user', content: 'hi' }] }),
    (e) => {
      assert.ok(e instanceof ChatJobError, `${e}`);
      assert.equal(e.errorType, 'model_unavailable');
      assert.match(e.message, /^model_unavailable: /, 'the official non-streaming message shape');
      return true;
    }
  );
});

test('abort mid-stream: the pending read rejects with AbortError; a signal aborts a non-streamed wait', async () => {
  const controller = new AbortController();
  const stream = await sogni.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Write a long story about the sea and its many moods' }],
    max_tokens: 400,
    stream: true,
    signal: controller.signal
  });
  let chunks = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of stream) {
        if (++chunks === 2) controller.abort();
      }
    })(),
    (e) => e instanceof AbortError
  );
  assert.ok(chunks >= 2);
  const late = new AbortController();
  const waiting = sogni.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Another long answer please, with many words in it' }],
    max_tokens: 400,
    signal: late.signal
  });
  setTimeout(() => late.abort(), 20);
  await assert.rejects(waiting, (e) => e instanceof AbortError);
  // A break stops reading without an error.
  const again = await sogni.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'count to ten' }], stream: true });
  for await (const _ of again) break;
});

test('estimateCost, hosted chat and a chat run streamed over SSE', async () => {
  const estimate = await sogni.chat.estimateCost({ model: MODEL, messages: [{ role: 'user', content: 'hello there' }], tokenType: 'spark' });
  assert.ok(estimate.inputTokens > 0 && Number(estimate.costInToken) > 0, JSON.stringify(estimate));
  const hosted = await sogni.chat.hosted.create({ model: MODEL, messages: [{ role: 'user', content: 'hosted hello' }] });
  assert.match(hosted.choices[0].message.content, /hosted hello/i);
  await assert.rejects(sogni.chat.hosted.create({ model: MODEL, messages: [], stream: true }), /non-streaming requests only/);
  const run = await sogni.chat.runs.create({ model: MODEL, messages: [{ role: 'user', content: 'a durable hello' }] });
  assert.ok(run.runId);
  const types = [];
  for await (const event of sogni.chat.runs.streamEvents(run.runId)) types.push(event.type);
  assert.ok(types.includes('run_completed'), types.join(','));
  const done = await sogni.chat.runs.get(run.runId);
  assert.equal(done.status, 'completed');
});
