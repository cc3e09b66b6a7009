// Vision chat: images sent as data URIs reach the model, which reports what it decoded
// (count, format, size, colour); what the limits refuse never produces an answer.
import { scenario, client, solidPng, assert, within } from '../lib.mjs';
import jpeg from 'jpeg-js';

const MODEL = 'qwen3.6-35b-a3b-gguf-iq4xs';

function solidJpeg(width, height, [r, g, b]) {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([r, g, b, 255], i);
  return jpeg.encode({ data, width, height }, 90).data;
}

const uri = (mime, bytes) => `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
const image = (url) => ({ type: 'image_url', image_url: { url } });

await scenario('vision chat', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.chat.waitForModels(), 'chat.waitForModels');
  const red = uri('image/png', solidPng(64, 48, [220, 30, 30]));
  const blue = uri('image/jpeg', solidJpeg(32, 40, [30, 60, 220]));
  const messages = [
    { role: 'system', content: 'You are a visual analysis assistant.' },
    { role: 'user', content: [{ type: 'text', text: 'Describe these images.' }, image(red), image(blue)] }
  ];
  const stream = await sogni.chat.completions.create({ model: MODEL, messages, stream: true, think: false });
  let text = '';
  for await (const chunk of stream) text += chunk.content;
  assert.ok(
    text.endsWith('I received 2 images: 1) PNG 64×48, mostly red; 2) JPEG 32×40, mostly blue.'),
    `the model saw both images: ${text}`
  );
  // Images count as "[image]" in the token estimate, not as their base64.
  const est = await sogni.chat.estimateCost({ model: MODEL, messages });
  assert.ok(est.inputTokens < 100, `${est.inputTokens} input tokens`);
  assert.equal(stream.finalResult.usage.prompt_tokens, est.inputTokens, 'server and client count the same');

  // Limits: 21 images, WebP, a side over 1024 px, a remote URL.
  const refused = async (content, pattern, what) => {
    const error = await sogni.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content }] })
      .then(() => null, (e) => e);
    assert.ok(error, `${what} is refused`);
    assert.match(String(error.message), pattern, what);
  };
  const tiny = uri('image/png', solidPng(4, 4, [0, 0, 0]));
  await refused(Array.from({ length: 21 }, () => image(tiny)), /maximum of 20/i, '21 images');
  await refused([image('data:image/webp;base64,UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=')], /webp|jpeg|png|mime|type/i, 'WebP');
  await refused([image(uri('image/png', solidPng(1100, 8, [0, 0, 0])))], /1024|longest|dimension|side/i, '1100 px wide');
  await refused([image('https://example.com/cat.png')], /remote|data URI|base64/i, 'a remote URL');

  // Exactly 20 images is fine.
  const twenty = await sogni.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: Array.from({ length: 20 }, () => image(tiny)) }]
  });
  assert.match(twenty.content, /I received 20 images: 1\) PNG 4×4, mostly black;/);
  return text.slice(text.indexOf('I received'));
});
