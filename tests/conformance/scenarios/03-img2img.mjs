// img2img: a solid red starting image (Node Buffer) with startingImageStrength 0.9 gives a
// mostly red result; the same prompt without it does not.
import { scenario, client, fetchImage, solidPng, meanColor, assert, within } from '../lib.mjs';

const fmt = (c) => `(${c.r.toFixed(0)},${c.g.toFixed(0)},${c.b.toFixed(0)})`;

await scenario('img2img with a startingImage', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const base = {
    type: 'image',
    modelId: 'flux1-schnell-fp8',
    positivePrompt: 'a quiet green meadow',
    numberOfMedia: 1,
    steps: 4,
    seed: 99,
    sizePreset: 'custom',
    width: 256,
    height: 256
  };
  const guided = await sogni.projects.create({
    ...base,
    startingImage: solidPng(200, 150, [230, 10, 10]),
    startingImageStrength: 0.9
  });
  const plain = await sogni.projects.create(base);
  const [guidedUrl] = await within(20_000, guided.waitForCompletion(), 'guided');
  const [plainUrl] = await within(20_000, plain.waitForCompletion(), 'plain');
  const g = meanColor((await fetchImage(guidedUrl)).data);
  const p = meanColor((await fetchImage(plainUrl)).data);
  assert.ok(g.r > 180 && g.g < 70 && g.b < 70, `guided result is mostly red: ${JSON.stringify(g)}`);
  assert.ok(!(p.r > 180 && p.g < 70 && p.b < 70), `plain result is not: ${JSON.stringify(p)}`);
  return `mean rgb guided ${fmt(g)} vs plain ${fmt(p)}`;
});
