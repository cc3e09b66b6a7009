// The LoRA catalog (getLora, supportsLoras, loraConstraints), personal LoRA imports and their
// catalog, saved uploads (subscriber: upload, reuse, bind, automatic bind, remove), and
// project lookups: getStatus while rendering and after, get, presigned URLs.
import { scenario, client, env, assert, within, solidPng } from '../lib.mjs';

await scenario('LoRAs, saved uploads and project lookups', async (track) => {
  const sogni = track(await client());
  const catalog = await sogni.projects.availableLoras({ modelId: 'z_image_turbo_bf16' });
  assert.ok(catalog.loras.length >= 2 && catalog.loras.every((l) => l.modelIds.includes('z_image_turbo_bf16')));
  assert.equal((await sogni.projects.getLora('warm-light')).ui.rangeLabels.min, 'Cooler & Darker');
  assert.equal(await sogni.projects.supportsLoras('flux1-schnell-fp8'), true);
  assert.deepEqual(await sogni.projects.loraConstraints(), { maxPerRequest: 3, minStrength: -2, maxStrength: 2 });

  const imported = await sogni.projects.personalLoras.import({
    url: `https://huggingface.co/me/lora-${process.pid}/resolve/main/style.safetensors`,
    name: 'Conformance style',
    modelId: 'z_image_turbo_bf16',
    rightsConfirmed: true
  });
  let status = imported.status;
  for (let i = 0; i < 100 && status !== 'ready'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    status = (await sogni.projects.personalLoras.get(imported.id)).status;
  }
  assert.equal(status, 'ready');
  assert.ok((await sogni.projects.personalLoras.list()).loras.some((l) => l.id === imported.id));
  assert.ok((await sogni.projects.personalLoras.catalog({ modelId: 'z_image_turbo_bf16' })).loras.some((l) => l.loraId === imported.id));
  assert.equal((await sogni.projects.getLora(imported.id)).name, 'Conformance style');
  await sogni.projects.personalLoras.remove(imported.id);

  // Saved uploads need a subscription: scenario 15 (same emulator, run before) made one.
  const png = solidPng(8, 8, [200, 30, 30]);
  const caps = await fetch(new URL('/v1/assets/capabilities', env.rest), { headers: { 'api-key': env.apiKey } }).then((r) => r.json());
  if (caps.data.enabled) {
    const saved = await sogni.projects.assets.upload(new Blob([png], { type: 'image/png' }), 'image/png', 'red.png');
    assert.equal(saved.state, 'ready');
    assert.equal((await sogni.projects.assets.upload(png, 'image/png')).id, saved.id, 'the same bytes are reused');
    await sogni.projects.assets.bind(saved.id, { projectId: `P-${process.pid}`, type: 'startingImage' });
    assert.equal(await sogni.projects.assets.tryBindFile(new Blob([png], { type: 'image/png' }), 'image/png', { projectId: `Q-${process.pid}`, type: 'startingImage' }), true);
    assert.ok((await sogni.projects.assets.list()).assets.some((a) => a.id === saved.id));
    await sogni.projects.assets.remove(saved.id);
  }

  await within(10_000, sogni.projects.waitForModels(), 'models');
  const project = await sogni.projects.create({
    type: 'image', modelId: 'flux1-schnell-fp8', positivePrompt: 'lookup', numberOfMedia: 1, steps: 4,
    sizePreset: 'custom', width: 256, height: 256
  });
  await within(10_000, new Promise((resolve) => project.once('progress', resolve)), 'first progress');
  const live = await sogni.projects.getStatus(project.id);
  assert.equal(live.id, project.id);
  assert.equal(live.finished, false);
  await within(20_000, project.waitForCompletion(), 'render');
  assert.equal((await sogni.projects.getStatus(project.id)).status, 'completed');
  assert.equal((await sogni.projects.get(project.id)).id, project.id);
  const url = await sogni.projects.downloadUrl({ jobId: project.id, imageId: project.jobs[0].id, type: 'complete' });
  assert.equal((await fetch(url)).status, 200);
  const put = await sogni.projects.uploadUrl({ imageId: 'IMG', jobId: `J-${process.pid}`, type: 'startingImage' });
  assert.equal((await fetch(put, { method: 'PUT', body: png })).status, 200);
  return `${catalog.loras.length} LoRAs for z-image, saved uploads ${caps.data.enabled ? 'on' : 'off'}`;
});
