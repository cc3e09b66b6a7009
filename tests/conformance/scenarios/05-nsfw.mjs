// A prompt with the emulator's documented trigger word ("nsfw") trips the filter: with the
// filter on, the job completes as NSFW with no URL; with disableNSFWFilter the image arrives.
import { scenario, client, fetchImage, assert, within } from '../lib.mjs';

await scenario('NSFW filter', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const params = {
    type: 'image',
    modelId: 'flux1-schnell-fp8',
    positivePrompt: 'nsfw test prompt',
    numberOfMedia: 1,
    steps: 4,
    sizePreset: 'custom',
    width: 256,
    height: 256
  };
  const filtered = await sogni.projects.create(params);
  const urls = await within(20_000, filtered.waitForCompletion(), 'filtered project');
  assert.equal(urls.length, 0, 'no URL for a filtered job');
  assert.equal(filtered.jobs[0].isNSFW, true);

  const unfiltered = await sogni.projects.create({ ...params, disableNSFWFilter: true });
  const [url] = await within(20_000, unfiltered.waitForCompletion(), 'unfiltered project');
  const img = await fetchImage(url);
  assert.equal(img.width, 256);
  return `filtered: isNSFW=${filtered.jobs[0].isNSFW}, 0 urls; unfiltered: ${img.width}x${img.height}`;
});
