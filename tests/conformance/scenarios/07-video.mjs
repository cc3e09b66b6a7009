// Video: WAN 2.2 text-to-video (16 fps internally: duration*16+1 frames) and LTX-2.3
// image-to-video from a Buffer reference; both results download as MP4 files.
import { scenario, client, solidPng, assert, within } from '../lib.mjs';

async function mp4(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'an ISO BMFF (MP4) file');
  assert.ok(bytes.includes(Buffer.from('avc1')), 'with an H.264 track');
  return bytes.length;
}

await scenario('video projects (WAN t2v, LTX i2v)', async (track) => {
  const sogni = track(await client());
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const wan = await sogni.projects.create({
    type: 'video',
    modelId: 'wan_v2.2-14b-fp8_t2v_lightx2v',
    positivePrompt: 'waves on a beach',
    numberOfMedia: 1,
    duration: 2,
    fps: 16,
    width: 480,
    height: 480
  });
  const ltx = await sogni.projects.create({
    type: 'video',
    modelId: 'ltx23-22b-fp8_i2v_distilled',
    positivePrompt: 'the red square comes alive',
    numberOfMedia: 1,
    duration: 1,
    fps: 24,
    width: 512,
    height: 512,
    referenceImage: solidPng(64, 64, [220, 20, 20])
  });
  const [wanUrl] = await within(30_000, wan.waitForCompletion(), 'WAN project');
  const [ltxUrl] = await within(30_000, ltx.waitForCompletion(), 'LTX project');
  const sizes = [await mp4(wanUrl), await mp4(ltxUrl)];
  return `WAN ${sizes[0]} B, LTX i2v ${sizes[1]} B MP4`;
});
