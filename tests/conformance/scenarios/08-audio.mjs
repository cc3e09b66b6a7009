// Audio: ACE-Step 1.5 turbo as MP3 (default) and WAV; both download as the requested format.
import { scenario, client, assert, within } from '../lib.mjs';

await scenario('audio projects (ACE-Step 1.5)', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const base = {
    type: 'audio',
    modelId: 'ace_step_1.5_turbo',
    positivePrompt: 'an upbeat synth tune',
    numberOfMedia: 1,
    duration: 10,
    bpm: 120,
    steps: 8
  };
  const mp3 = await sogni.projects.create(base);
  const wav = await sogni.projects.create({ ...base, outputFormat: 'wav' });
  const [mp3Url] = await within(30_000, mp3.waitForCompletion(), 'mp3 project');
  const [wavUrl] = await within(30_000, wav.waitForCompletion(), 'wav project');
  const get = async (url) => Buffer.from(await (await fetch(url)).arrayBuffer());
  const a = await get(mp3Url);
  const b = await get(wavUrl);
  assert.ok(a.subarray(0, 3).toString('latin1') === 'ID3' || (a[0] === 0xff && (a[1] & 0xe0) === 0xe0), 'an MP3 stream');
  assert.equal(b.subarray(0, 4).toString('latin1'), 'RIFF');
  assert.equal(b.subarray(8, 12).toString('latin1'), 'WAVE');
  return `mp3 ${a.length} B, wav ${b.length} B`;
});
