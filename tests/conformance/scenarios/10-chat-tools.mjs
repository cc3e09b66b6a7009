// Tool calling over the socket: the model calls the user's tools with arguments that fit
// their schemas (streamed as deltas, merged by index), answers from the tool results, and
// with SogniTools + autoExecuteTools the SDK renders a real image through the emulator.
import { scenario, client, fetchImage, assert, within } from '../lib.mjs';

const MODEL = 'qwen3.6-35b-a3b-gguf-iq4xs';

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get current weather for a city',
      parameters: {
        type: 'object',
        properties: {
          location: { type: 'string', description: 'City name' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          days: { type: 'integer', minimum: 1, maximum: 7 }
        },
        required: ['location', 'unit']
      }
    }
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Current time in a zone',
      parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] }
    }
  }
];

await scenario('chat tool calls', async (track) => {
  const sogni = track(await client());
  const { SogniTools, isSogniToolCall, parseToolCallArguments } = await import(
    process.env.SDK_MODULE || '@sogni-ai/sogni-client'
  );
  await within(10_000, sogni.chat.waitForModels(), 'chat.waitForModels');

  // One call, non-streamed, then the answer from the tool's result.
  const messages = [{ role: 'user', content: 'Use the get_weather tool for "Austin"' }];
  const first = await sogni.chat.completions.create({ model: MODEL, messages, tools, tool_choice: 'auto' });
  assert.equal(first.finishReason, 'tool_calls');
  assert.equal(first.tool_calls.length, 1);
  const call = first.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.ok(call.id.startsWith('call_'));
  assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Austin', unit: 'celsius' });
  assert.equal(isSogniToolCall(call), false);
  const second = await sogni.chat.completions.create({
    model: MODEL,
    tools,
    messages: [
      ...messages,
      { role: 'assistant', content: first.content || null, tool_calls: first.tool_calls },
      { role: 'tool', tool_call_id: call.id, name: 'get_weather', content: '{"temperature":22,"sky":"sunny"}' }
    ]
  });
  assert.equal(second.finishReason, 'stop');
  assert.equal(second.tool_calls, undefined);
  assert.match(second.content, /get_weather returned: \{"temperature":22,"sky":"sunny"\}/);

  // Two calls, streamed: argument deltas arrive over several chunks per index.
  const stream = await sogni.chat.completions.create({
    model: MODEL,
    stream: true,
    tools,
    messages: [{ role: 'user', content: 'Call get_time and get_weather for "Oslo"' }]
  });
  let deltas = 0;
  for await (const chunk of stream) {
    for (const d of chunk.tool_calls || []) if (d.function?.arguments) deltas++;
  }
  assert.ok(deltas > 4, `arguments streamed in pieces (${deltas} deltas)`);
  const calls = stream.toolCalls;
  assert.deepEqual(calls.map((c) => c.function.name), ['get_time', 'get_weather']);
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { zone: 'Oslo' });
  assert.deepEqual(parseToolCallArguments(calls[1]), { location: 'Oslo', unit: 'celsius' });
  assert.equal(stream.finalResult.finishReason, 'tool_calls');

  // tool_choice 'none' never calls; a named function is always called.
  const none = await sogni.chat.completions.create({ model: MODEL, tools, tool_choice: 'none', messages });
  assert.equal(none.finishReason, 'stop');
  const forced = await sogni.chat.completions.create({
    model: MODEL,
    tools,
    tool_choice: { type: 'function', function: { name: 'get_time' } },
    messages: [{ role: 'user', content: 'hello' }]
  });
  assert.equal(forced.tool_calls[0].function.name, 'get_time');

  // Sogni tools, executed by the SDK: generate_image becomes a real image project.
  const progress = [];
  const auto = await within(
    60_000,
    sogni.chat.completions.create({
      model: MODEL,
      tokenType: 'spark',
      tools: [SogniTools.generateImage],
      autoExecuteTools: true,
      onToolProgress: (_tc, p) => progress.push(p.status),
      messages: [{ role: 'user', content: 'Please generate an image of "a red fox in snow" with generate_image' }]
    }),
    'autoExecuteTools round trip'
  );
  assert.equal(auto.finishReason, 'stop');
  assert.equal(auto.toolHistory.length, 1);
  const [result] = auto.toolHistory[0].toolResults;
  assert.equal(auto.toolHistory[0].toolCalls[0].function.name, 'generate_image');
  assert.deepEqual(parseToolCallArguments(auto.toolHistory[0].toolCalls[0]), { prompt: 'a red fox in snow' });
  assert.equal(result.success, true, result.error);
  assert.equal(result.resultUrls.length, 1);
  assert.ok(auto.content.includes(result.resultUrls[0]), 'the final answer links the rendered image');
  assert.ok(progress.includes('completed'), `tool progress ${progress.join(',')}`);
  const img = await fetchImage(result.resultUrls[0]);
  assert.ok(img.width > 0 && img.height > 0);

  return `get_weather(${call.function.arguments}); streamed ${deltas} argument deltas; generate_image -> ${img.format} ${img.width}x${img.height}`;
});
