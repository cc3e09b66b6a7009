// Socket chat: LLM models arrive, estimateCost answers in numbers, a streamed completion
// arrives token by token with job states, a final result with usage, cost and worker, the
// balance drops; non-streamed, thinking, max_tokens, structured output and refusals.
import { scenario, client, assert, within, until } from '../lib.mjs';

const MODEL = 'qwen3.6-35b-a3b-gguf-iq4xs';

await scenario('chat completions over the socket', async (track) => {
  const sogni = track(await client());
  const { ChatJobError } = await import(process.env.SDK_MODULE || '@sogni-ai/sogni-client');
  const models = await within(10_000, sogni.chat.waitForModels(), 'chat.waitForModels');
  assert.ok(models[MODEL]?.workers > 0, `${MODEL} has workers`);
  assert.equal(models[MODEL].maxOutputTokens.default, 4096);

  // Estimates: numbers, more output costs more, thinking+coding uses the complex default.
  const messages = [{ role: 'user', content: 'Hello there' }];
  const est = await sogni.chat.estimateCost({ model: MODEL, messages, tokenType: 'spark' });
  for (const k of ['costInUSD', 'costInSogni', 'costInSpark', 'costInToken']) {
    assert.equal(typeof est[k], 'number', `${k} is a number`);
    assert.ok(est[k] > 0, `${k} > 0`);
  }
  assert.equal(est.inputTokens, Math.ceil(JSON.stringify(messages).length / 4));
  assert.equal(est.outputTokens, 4096);
  const deep = await sogni.chat.estimateCost({ model: MODEL, messages, think: true, taskProfile: 'coding' });
  assert.equal(deep.outputTokens, models[MODEL].maxOutputTokens.thinkingComplexDefault);
  assert.ok(deep.costInSogni > est.costInSogni, 'a bigger output budget costs more');

  // Streaming.
  const states = [];
  sogni.chat.on('jobState', (s) => states.push(s.type));
  const before = Number(sogni.currentAccount.balance?.sogni?.net ?? NaN);
  const stream = await sogni.chat.completions.create({ model: MODEL, messages, stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((c) => c.content).join('');
  assert.equal(text, 'You said: "Hello there". That is 2 words and 11 characters.');
  assert.ok(chunks.length > 5, `token-by-token (${chunks.length} chunks)`);
  const final = stream.finalResult;
  assert.ok(final, 'finalResult after the stream ends');
  assert.equal(final.content, text);
  assert.equal(final.role, 'assistant');
  assert.equal(final.finishReason, 'stop');
  assert.equal(final.workerName, 'emulator-llm-1');
  assert.ok(final.timeTaken > 0);
  assert.equal(final.usage.total_tokens, final.usage.prompt_tokens + final.usage.completion_tokens);
  assert.equal(final.cost.outputTokens, final.usage.completion_tokens);
  assert.ok(Number(final.cost.costInToken) > 0, 'settled cost is a decimal string');
  assert.deepEqual(states.slice(0, 4), ['pending', 'queued', 'assigned', 'jobStarted']);
  await within(5_000, until(() => Number(sogni.currentAccount.balance?.sogni?.net) < before), 'sogni balance drop');

  // Non-streaming, multi-turn.
  const turn2 = await sogni.chat.completions.create({
    model: MODEL,
    messages: [
      { role: 'system', content: 'Be brief.' },
      ...messages,
      { role: 'assistant', content: final.content },
      { role: 'user', content: 'And now?' }
    ]
  });
  assert.equal(
    turn2.content,
    'You said: "And now?". That is 2 words and 8 characters. This is turn 2 of our conversation. I am following a system prompt of 9 characters.'
  );

  // Thinking first; max_tokens cuts.
  const thought = await sogni.chat.completions.create({ model: MODEL, messages, think: true, taskProfile: 'general' });
  assert.match(thought.content, /^<think>\n[^]*\n<\/think>\n\nYou said: "Hello there"/);
  const cut = await sogni.chat.completions.create({ model: MODEL, messages, max_tokens: 3 });
  assert.equal(cut.finishReason, 'length');
  assert.equal(cut.usage.completion_tokens, 3);
  assert.equal(cut.content, 'You said: "Hello ');

  // Structured output follows the schema.
  const todo = await sogni.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Return a two-item todo list as JSON.' }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'todo_list',
        strict: true,
        schema: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              minItems: 2,
              items: {
                type: 'object',
                properties: { title: { type: 'string' }, priority: { type: 'string', enum: ['low', 'medium', 'high'] } },
                required: ['title', 'priority'],
                additionalProperties: false
              }
            }
          },
          required: ['items'],
          additionalProperties: false
        }
      }
    }
  });
  const parsed = JSON.parse(todo.content);
  assert.equal(parsed.items.length, 2);
  assert.ok(parsed.items.every((i) => typeof i.title === 'string' && ['low', 'medium', 'high'].includes(i.priority)));

  // Refusals: non-streaming errors are "<tag>: <message>", streaming ones just the message.
  const unknown = await sogni.chat.completions
    .create({ model: 'no-such-llm', messages })
    .then(() => null, (e) => e);
  assert.ok(unknown instanceof ChatJobError, `ChatJobError (${unknown})`);
  assert.equal(unknown.errorType, 'model_unavailable');
  assert.match(unknown.message, /^model_unavailable: .*no-such-llm/);
  const subStream = await sogni.chat.completions.create({ model: MODEL, messages, stream: true, billingMode: 'subscription' });
  const subError = await (async () => {
    try {
      for await (const _ of subStream) {
        /* no tokens expected */
      }
      return null;
    } catch (e) {
      return e;
    }
  })();
  assert.ok(subError instanceof ChatJobError, 'stream fails with ChatJobError');
  assert.equal(subError.code, '4078');
  assert.equal(subError.subscriptionErrorCode, 4078);
  assert.equal(subError.errorType, 'subscription_unavailable');
  const tooLong = await sogni.chat.completions
    .create({ model: MODEL, messages, max_tokens: 1_000_000 })
    .then(() => null, (e) => e);
  assert.equal(tooLong?.errorType, 'invalid_request');

  return `${chunks.length} chunks, ${final.usage.completion_tokens} tokens, cost ${final.cost.costInToken} sogni, estimate ${est.costInToken.toFixed(6)} spark`;
});
