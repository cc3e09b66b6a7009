// API-key client → waitForModels → image project with numberOfMedia 2 → both results decode
// as PNGs of the requested size, and the balance goes down.
import { scenario, client, fetchImage, assert, within, until } from '../lib.mjs';

await scenario('api-key image project, 2 media', async (track) => {
  const sogni = track(await client());
  const models = await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  assert.ok(models.some((m) => m.id === 'flux1-schnell-fp8' && m.workerCount > 0), 'flux1-schnell-fp8 is available');
  const before = Number(sogni.currentAccount.balance?.spark?.net ?? NaN);

  const progress = [];
  const project = await sogni.projects.create({
    type: 'image',
    modelId: 'flux1-schnell-fp8',
    positivePrompt: 'a lighthouse at dusk',
    numberOfMedia: 2,
    steps: 4,
    seed: 1234,
    sizePreset: 'custom',
    width: 512,
    height: 384,
    tokenType: 'spark'
  });
  project.on('progress', (p) => progress.push(p));
  const urls = await within(20_000, project.waitForCompletion(), 'waitForCompletion');
  assert.equal(urls.length, 2, 'two result URLs');
  assert.equal(project.status, 'completed');
  assert.equal(project.jobs.length, 2);
  assert.ok(progress.length > 0 && progress.at(-1) === 100, `progress reached 100 (${progress.join(',')})`);
  const images = [];
  for (const url of urls) {
    const img = await fetchImage(url);
    assert.equal(img.format, 'png');
    assert.equal(img.width, 512);
    assert.equal(img.height, 384);
    images.push(img);
  }
  assert.notDeepEqual(images[0].data, images[1].data, 'the two jobs (different seeds) differ');
  const seeds = project.jobs.map((j) => j.seed);
  assert.deepEqual(seeds, [1234, 1235]);

  // balanceUpdate arrives after admission
  await within(5_000, until(() => Number(sogni.currentAccount.balance?.spark?.net) < before), 'balance drop');
  const after = Number(sogni.currentAccount.balance.spark.net);
  return `urls=${urls.length} 512x384 png, seeds ${seeds.join('/')}, spark ${before} -> ${after}`;
});

