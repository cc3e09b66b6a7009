// estimateCost goes to the socket host and returns decimal strings that grow with the work.
import { scenario, client, assert, within } from '../lib.mjs';

await scenario('estimateCost', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const small = await sogni.projects.estimateCost({
    model: 'flux1-schnell-fp8',
    imageCount: 1,
    stepCount: 4,
    previewCount: 0,
    width: 512,
    height: 512
  });
  const big = await sogni.projects.estimateCost({
    model: 'flux1-schnell-fp8',
    imageCount: 4,
    stepCount: 8,
    previewCount: 0,
    width: 512,
    height: 512
  });
  for (const key of ['token', 'usd']) {
    assert.equal(typeof small[key], 'string', `${key} is a decimal string`);
    assert.ok(Number(small[key]) > 0, `${key} > 0`);
  }
  assert.ok(Number(big.token) > Number(small.token), 'more work costs more');
  // A named preset is looked up on the socket host first.
  const presets = await sogni.projects.getSizePresets('fast', 'flux1-schnell-fp8');
  assert.ok(presets.length > 0, 'size presets are served');
  const preset = await sogni.projects.estimateCost({
    model: 'flux1-schnell-fp8',
    imageCount: 1,
    stepCount: 4,
    previewCount: 0,
    sizePreset: presets[0].id
  });
  assert.ok(Number(preset.token) > 0);
  return `1x4 steps: ${small.token} tokens ($${small.usd}); 4x8 steps: ${big.token}`;
});
