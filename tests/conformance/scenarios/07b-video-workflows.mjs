// Video workflows with references: WAN s2v (image + audio), WAN animate-move (image +
// video), LTX-2.3 v2v with a canny ControlNet (video), Seedance 2.0 with URL references.
// Each result downloads as an H.264 MP4 with the workflow's frame count; a ControlNet on an
// i2v model is refused (by the server for the official SDK, before the wire for ours).
import { readMp4, sineWav } from '../../js/media.mjs';
import { scenario, client, solidPng, assert, within } from '../lib.mjs';

async function mp4(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const info = readMp4(bytes);
  assert.equal(info.codec, 'avc1', 'an H.264 track');
  return { ...info, bytes };
}

await scenario('video workflows with references (s2v, animate-move, v2v ControlNet, Seedance URLs)', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const base = { type: 'video', positivePrompt: 'a dancer on a pier', numberOfMedia: 1, width: 480, height: 480 };
  const image = solidPng(64, 64, [20, 160, 90]);
  const audio = Buffer.from(sineWav(2));
  const run = async (params, what) => {
    const project = await sogni.projects.create({ ...base, ...params });
    const [url] = await within(30_000, project.waitForCompletion(), what);
    return mp4(url);
  };
  const t2v = await run({ modelId: 'wan_v2.2-14b-fp8_t2v_lightx2v', duration: 1 }, 'WAN t2v');
  const clip = t2v.bytes;
  const s2v = await run({ modelId: 'wan_v2.2-14b-fp8_s2v_lightx2v', duration: 1, referenceImage: image, referenceAudio: audio, audioStart: 0, audioDuration: 1 }, 'WAN s2v');
  const move = await run({ modelId: 'wan_v2.2-14b-fp8_animate-move_lightx2v', duration: 1, referenceImage: image, referenceVideo: Buffer.from(clip) }, 'WAN animate-move');
  const v2v = await run({ modelId: 'ltx23-22b-fp8_v2v_distilled', duration: 1, fps: 24, referenceVideo: Buffer.from(clip), controlNet: { name: 'canny', strength: 0.7 } }, 'LTX v2v canny');
  const seedance = await run({ modelId: 'seedance-2-0', duration: 4, tokenType: 'spark', referenceImageUrls: ['https://assets.example.com/a.png'], referenceVideoUrls: ['https://assets.example.com/b.mp4'] }, 'Seedance URL refs');
  assert.deepEqual(
    [t2v.frames, s2v.frames, move.frames, v2v.frames, seedance.frames],
    [17, 17, 17, 25, 97],
    'WAN 16·d+1, LTX 24·d+1, Seedance 24·d+1'
  );
  // A ControlNet needs a _v2v model.
  let refused;
  try {
    const p = await sogni.projects.create({ ...base, modelId: 'ltx23-22b-fp8_i2v_distilled', duration: 1, referenceImage: image, controlNet: { name: 'depth' } });
    await within(30_000, p.waitForCompletion(), 'ControlNet on i2v');
  } catch (e) {
    refused = e;
  }
  assert.ok(refused && /_v2v/.test(refused.message), `refused: ${refused?.message}`);
  return `frames ${[t2v, s2v, move, v2v, seedance].map((m) => m.frames).join('/')}; ControlNet on i2v refused: ${refused.message}`;
});
