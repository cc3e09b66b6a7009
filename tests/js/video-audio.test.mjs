// Video and audio projects of the packed package (pkg/node.js) in Node 22 against the
// emulator: every workflow family with its references, the results downloaded and read as
// a user would check them (container, codec, frame count, duration, size), the limits and
// the reference checks refused before anything reaches the wire.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readMp4, readMp3, readWav, readFlac, sineWav, PNG_4x4 } from './media.mjs';
import { endpoints, sdk } from './harness.mjs';

const { REST, SOCKET, stats } = endpoints();
const { SogniClient, ValidationError, JobError } = sdk;

const WAV_2S = sineWav(2);

let sogni;
/** The MP4 of the first WAN test, reused as the reference video of the later ones. */
let referenceMp4;

before(async () => {
  sogni = await SogniClient.createInstance({
    appId: `video-audio-${process.pid}`,
    restEndpoint: REST,
    socketEndpoint: SOCKET,
    apiKey: 'demo-api-key',
    network: 'fast',
    logLevel: 'error'
  });
  await sogni.projects.waitForModels();
});
after(() => sogni?.dispose());

const video = (modelId, extra = {}) => ({
  type: 'video',
  modelId,
  positivePrompt: 'a lighthouse at dusk, waves rolling in',
  numberOfMedia: 1,
  width: 480,
  height: 480,
  ...extra
});

/** Creates the project, waits for it, downloads every result. */
async function render(params) {
  const project = await sogni.projects.create(params);
  let progress = 0;
  project.on('progress', (p) => (progress = Math.max(progress, p)));
  const urls = await project.waitForCompletion();
  assert.equal(urls.length, params.numberOfMedia ?? 1);
  assert.equal(progress, 100, 'progress reached 100');
  const files = [];
  for (const url of urls) {
    const res = await fetch(url);
    assert.equal(res.status, 200, `GET ${url}`);
    files.push(new Uint8Array(await res.arrayBuffer()));
  }
  return { project, urls, files };
}

/** Asserts an H.264 MP4 of `frames` frames at `fps` and the given size. */
function assertMp4(bytes, { frames, fps, width, height }) {
  const mp4 = readMp4(bytes);
  assert.equal(mp4.codec, 'avc1', 'an H.264 track');
  assert.equal(mp4.frames, frames, 'frame count');
  assert.ok(Math.abs(mp4.duration - frames / fps) < 0.01, `duration ${mp4.duration} s ≈ ${frames}/${fps}`);
  if (width) assert.deepEqual([mp4.width, mp4.height], [width, height]);
  return mp4;
}

test('WAN 2.2 t2v renders duration*16+1 frames at 16 fps; its cost is estimated', async () => {
  const { files } = await render(video('wan_v2.2-14b-fp8_t2v_lightx2v', { duration: 2, fps: 16 }));
  assertMp4(files[0], { frames: 33, fps: 16, width: 480, height: 480 });
  referenceMp4 = files[0];
  // fps 32 is interpolation after the 16 fps render: the request still asks for 2*16+1 frames.
  const cost = await sogni.projects.estimateVideoCost({
    model: 'wan_v2.2-14b-fp8_t2v_lightx2v',
    width: 480,
    height: 480,
    duration: 2,
    fps: 32,
    tokenType: 'spark'
  });
  assert.ok(Number(cost.token) > 0 && Number(cost.usd) > 0, `a priced estimate: ${JSON.stringify(cost)}`);
});

test('WAN 2.2 i2v, s2v, animate-move and animate-replace upload their references and render', async () => {
  assert.ok(referenceMp4, 'the t2v test ran first');
  const before = (await stats()).uploads;
  const image = new Blob([PNG_4x4], { type: 'image/png' });
  const i2v = await render(video('wan_v2.2-14b-fp8_i2v_lightx2v', { duration: 1, referenceImage: image }));
  assertMp4(i2v.files[0], { frames: 17, fps: 16 });
  const s2v = await render(
    video('wan_v2.2-14b-fp8_s2v_lightx2v', {
      duration: 1,
      referenceImage: PNG_4x4,
      referenceAudio: WAV_2S,
      audioStart: 0.5,
      audioDuration: 1
    })
  );
  assertMp4(s2v.files[0], { frames: 17, fps: 16 });
  for (const model of ['wan_v2.2-14b-fp8_animate-move_lightx2v', 'wan_v2.2-14b-fp8_animate-replace_lightx2v']) {
    const out = await render(
      video(model, {
        duration: 1,
        referenceImage: new Uint8Array(PNG_4x4).buffer,
        referenceVideo: new Blob([referenceMp4], { type: 'video/mp4' })
      })
    );
    assertMp4(out.files[0], { frames: 17, fps: 16 });
  }
  assert.equal((await stats()).uploads, before + 1 + 2 + 2 + 2, 'one upload per reference');
});

test('a workflow without its reference is refused before the wire; the server refuses a forged flag', async () => {
  const sent = (await stats()).jobRequests;
  await assert.rejects(sogni.projects.create(video('wan_v2.2-14b-fp8_s2v_lightx2v', { referenceImage: PNG_4x4 })), (e) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.match(e.message, /s2v workflow requires referenceAudio/);
    return true;
  });
  assert.equal((await stats()).jobRequests, sent, 'nothing was sent');
  // `true` says "already uploaded"; the emulator, like the Supernet, checks that it was.
  const project = await sogni.projects.create(
    video('wan_v2.2-14b-fp8_s2v_lightx2v', { referenceImage: PNG_4x4, referenceAudio: true, duration: 1 })
  );
  await assert.rejects(project.waitForCompletion(), (e) => {
    assert.ok(e instanceof JobError, String(e));
    assert.match(e.message, /referenceAudio is flagged .* never uploaded/);
    return true;
  });
});

test('LTX-2.3: frames snap to 1+8n at the requested fps; a2v, ia2v and v2v ControlNet render', async () => {
  const t2v = await render(video('ltx23-22b-fp8_t2v_distilled', { duration: 1, fps: 30, width: 512, height: 480 }));
  // 1 s × 30 fps + 1 = 31 frames, snapped to 1 + 8n = 33.
  assertMp4(t2v.files[0], { frames: 33, fps: 30, width: 512, height: 480 });
  const i2v = await render(video('ltx23-22b-fp8_i2v_distilled', { duration: 1, fps: 24, referenceImage: PNG_4x4 }));
  assertMp4(i2v.files[0], { frames: 25, fps: 24 });
  const a2v = await render(video('ltx23-22b-fp8_a2v_distilled', { duration: 1, fps: 24, referenceAudio: WAV_2S }));
  assertMp4(a2v.files[0], { frames: 25, fps: 24 });
  const ia2v = await render(
    video('ltx23-22b-fp8_ia2v_distilled', { duration: 1, fps: 16, referenceImage: PNG_4x4, referenceAudio: WAV_2S })
  );
  assertMp4(ia2v.files[0], { frames: 17, fps: 16 });
  const v2v = await render(
    video('ltx23-22b-fp8_v2v_distilled', {
      duration: 1,
      fps: 24,
      referenceVideo: referenceMp4,
      controlNet: { name: 'canny', strength: 0.7 }
    })
  );
  assertMp4(v2v.files[0], { frames: 25, fps: 24 });
  // A ControlNet needs a _v2v model: refused with a typed error, nothing sent.
  const sent = (await stats()).jobRequests;
  await assert.rejects(
    sogni.projects.create(
      video('ltx23-22b-fp8_i2v_distilled', { referenceImage: PNG_4x4, controlNet: { name: 'depth' } })
    ),
    (e) => e instanceof ValidationError && e.code === 'INVALID_CONTROLNET' && /_v2v/.test(e.message)
  );
  assert.equal((await stats()).jobRequests, sent);
});

test('Seedance 2.0: URL and local references render at 24 fps; its asset limits are typed errors', async () => {
  const url = (kind, i) => `https://assets.example.com/${kind}-${i}`;
  const remote = await render(
    video('seedance-2-0', {
      duration: 4,
      referenceImageUrls: [url('img', 1), url('img', 2)],
      referenceVideoUrls: [url('vid', 1)],
      referenceAudioUrls: [url('aud', 1)],
      tokenType: 'spark'
    })
  );
  assertMp4(remote.files[0], { frames: 97, fps: 24 });
  const local = await render(
    video('seedance-2-0-fast', { duration: 4, referenceImage: PNG_4x4, referenceAudio: WAV_2S, tokenType: 'spark' })
  );
  assertMp4(local.files[0], { frames: 97, fps: 24 });
  const sent = (await stats()).jobRequests;
  const many = (kind, n) => Array.from({ length: n }, (_, i) => url(kind, i));
  const refused = [
    [{ referenceImageUrls: many('img', 10) }, /at most 9 image assets/],
    [{ referenceImage: PNG_4x4, referenceVideoUrls: many('vid', 4) }, /at most 3 video assets/],
    [{ referenceImage: PNG_4x4, referenceAudioUrls: many('aud', 4) }, /at most 3 audio assets/],
    [{ referenceImageUrls: many('img', 9), referenceVideoUrls: many('vid', 3), referenceAudioUrls: many('aud', 1) }, /at most 12 total/],
    [{ referenceAudioUrls: many('aud', 1) }, /require at least one image or video/],
    [{ duration: 3 }, /greater or equal 4/],
    [{ duration: 16 }, /less or equal 15/],
    [{ modelId: 'seedance-2-0-fast', width: 1920, height: 1080 }, /at most 1280/]
  ];
  for (const [extra, message] of refused) {
    await assert.rejects(
      sogni.projects.create(video('seedance-2-0', { duration: 5, tokenType: 'spark', ...extra })),
      (e) => {
        assert.ok(e instanceof ValidationError, `${JSON.stringify(Object.keys(extra))}: ${e}`);
        assert.match(e.message, message);
        return true;
      }
    );
  }
  assert.equal((await stats()).jobRequests, sent, 'no refused project reached the server');
});

test('ACE-Step 1.5: MP3, WAV and FLAC songs of the requested duration', async () => {
  const song = (modelId, extra) => ({
    type: 'audio',
    modelId,
    positivePrompt: 'upbeat synth pop',
    numberOfMedia: 1,
    bpm: 128,
    keyscale: 'A minor',
    timesignature: '4',
    steps: 8,
    ...extra
  });
  const mp3 = await render(song('ace_step_1.5_turbo', { duration: 10, outputFormat: 'mp3', numberOfMedia: 2 }));
  assert.equal(mp3.files.length, 2);
  for (const f of mp3.files) {
    const info = readMp3(f);
    assert.ok(Math.abs(info.duration - 10) < 0.2, `MP3 ${info.duration} s`);
  }
  assert.notDeepEqual(mp3.files[0], mp3.files[1], 'two different takes');
  const wav = await render(
    song('ace_step_1.5_sft', {
      duration: 12,
      outputFormat: 'wav',
      lyrics: '[verse]\nlights on the water',
      language: 'en',
      composerMode: true,
      promptStrength: 2,
      creativity: 0.85
    })
  );
  assert.ok(Math.abs(readWav(wav.files[0]).duration - 12) < 0.01);
  const flac = await render(song('ace_step_1.5_turbo', { duration: 10, outputFormat: 'flac' }));
  assert.ok(Math.abs(readFlac(flac.files[0]).duration - 10) < 0.01);
  const cost = await sogni.projects.estimateAudioCost({ model: 'ace_step_1.5_turbo', duration: 30, steps: 8, numberOfMedia: 2, tokenType: 'spark' });
  const single = await sogni.projects.estimateAudioCost({ model: 'ace_step_1.5_turbo', duration: 30, steps: 8, numberOfMedia: 1, tokenType: 'spark' });
  assert.ok(Number(cost.token) > Number(single.token), 'two tracks cost more than one');
  await assert.rejects(
    sogni.projects.create(song('ace_step_1.5_turbo', { duration: 5 })),
    (e) => e instanceof ValidationError && e.code === 'INVALID_DURATION'
  );
});

test('a reference of the wrong kind or an empty one is refused before any upload', async () => {
  const before = await stats();
  const cases = [
    [{ referenceImage: new Blob([new Uint8Array(16)], { type: 'video/mp4' }) }, /referenceImage must be an image file, got video\/mp4/],
    [{ referenceImage: PNG_4x4, referenceAudio: Buffer.from(referenceMp4 ?? []) }, /referenceAudio (must be an audio file|is empty)/],
    [{ referenceImage: PNG_4x4, referenceAudio: new Blob([]) }, /referenceAudio is empty \(0 bytes\)/]
  ];
  for (const [extra, message] of cases) {
    await assert.rejects(sogni.projects.create(video('wan_v2.2-14b-fp8_s2v_lightx2v', extra)), (e) => {
      assert.ok(e instanceof ValidationError, String(e));
      assert.equal(e.code, 'INVALID_MEDIA');
      assert.match(e.message, message);
      return true;
    });
  }
  const after = await stats();
  assert.equal(after.uploads, before.uploads, 'nothing was uploaded');
  assert.equal(after.jobRequests, before.jobRequests, 'nothing was sent');
});
