// The 5.54 entity members and the client's auth/REST members, as a user reads them: the
// project's startedAt and queue estimate, each job's position, ETA interval, provenance
// (the hash of the bytes getResultData() returns), NSFW sources, enhance() and
// enhancedImage, a Seedance 2.5 video's exported last frame, ApiKeyAuthManager,
// apiClient.auth / rest / attribution. The renders go to the second account
// (`other-api-key`): the demo account's transaction history is read by scenario 15 on the
// next SDK's pass.
import { createHash } from 'node:crypto';
import { scenario, sdk, env, decodeImage, assert, within } from '../lib.mjs';

const OTHER_KEY = 'other-api-key';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = async (blob) => Buffer.from(await blob.arrayBuffer());

await scenario('entity members, auth managers and REST', async (track) => {
  const { SogniClient, ApiKeyAuthManager } = await sdk();
  const config = (extra) => ({
    appId: `conformance-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    network: 'fast',
    restEndpoint: env.rest,
    socketEndpoint: env.socket,
    logLevel: 'error',
    apiKey: OTHER_KEY,
    ...extra
  });
  const sogni = track(await SogniClient.createInstance(config()));
  await within(10_000, sogni.projects.waitForModels(), 'waitForModels');
  const image = (extra) => ({
    type: 'image',
    modelId: 'flux1-schnell-fp8',
    positivePrompt: 'a lighthouse at dusk',
    numberOfMedia: 2,
    steps: 4,
    sizePreset: 'custom',
    width: 256,
    height: 256,
    ...extra
  });

  // Project: startedAt, and the queue estimate while queued.
  const project = await sogni.projects.create(image());
  assert.ok(project.startedAt instanceof Date);
  const queued = [];
  const ranges = [];
  project.on('updated', (keys) => keys.includes('queueStatus') && queued.push([project.queueStatus, project.estimatedStartAt]));
  project.on('jobStarted', (job) => job.on('updated', (keys) => keys.includes('etaRange') && job.etaRange && ranges.push(job.etaRange)));
  const urls = await within(20_000, project.waitForCompletion(), 'image project');
  assert.equal(urls.length, 2);
  assert.equal(queued[0][0], 'waiting');
  assert.ok(queued[0][1] instanceof Date, 'estimatedStartAt while queued');
  assert.equal(project.queueStatus, undefined, 'cleared once a worker took it');
  assert.deepEqual(project.jobs.map((j) => j.jobIndex).sort(), [0, 1]);
  assert.ok(ranges.length > 0 && ranges.every((r) => r.min <= r.max), 'ETA intervals');

  // Jobs: type, media, provenance of the downloaded bytes.
  for (const job of project.jobs) {
    assert.equal(job.type, 'image');
    assert.equal(job.hasResultMedia, true);
    assert.equal(job.isWithheld, false);
    assert.deepEqual(job.nsfwSources, []);
    assert.ok(job.eta instanceof Date);
    const bytes = await bytesOf(await within(10_000, job.getResultData(), 'getResultData'));
    assert.equal(decodeImage(bytes).width, 256);
    assert.equal(job.provenance.sha256, sha256(bytes), 'provenance.sha256 hashes the delivered bytes');
  }

  // enhance(): a new project from the result; enhancedImage follows it.
  const job = project.jobs[0];
  const enhancedUrl = await within(30_000, job.enhance('light'), 'enhance');
  const enhanced = job.enhancedImage;
  assert.equal(enhanced.status, 'completed');
  assert.equal(enhanced.result, enhancedUrl);
  const fresh = await within(10_000, enhanced.getResultUrl(), 'enhancedImage.getResultUrl');
  const enhancedImg = decodeImage(Buffer.from(await (await fetch(fresh)).arrayBuffer()));
  assert.ok(enhancedImg.width > 0);

  // A withheld result: no media, and the signal that fired.
  const withheld = await sogni.projects.create(image({ numberOfMedia: 1, positivePrompt: 'nsfw test prompt' }));
  await within(20_000, withheld.waitForCompletion(), 'withheld project');
  const w = withheld.jobs[0];
  assert.equal(w.isWithheld, true);
  assert.equal(w.hasResultMedia, false);
  assert.deepEqual(w.nsfwSources, ['prompt']);

  // Seedance 2.5 with returnLastFrame: the final frame as a separate PNG.
  const video = await sogni.projects.create({
    type: 'video',
    modelId: 'seedance-2-5',
    positivePrompt: 'waves on a beach',
    numberOfMedia: 1,
    duration: 4,
    width: 480,
    height: 480,
    tokenType: 'spark',
    returnLastFrame: true
  });
  await within(40_000, video.waitForCompletion(), 'video project');
  const v = video.jobs[0];
  assert.equal(v.type, 'video');
  const frameUrl = await within(10_000, v.getLastFrameUrl(), 'getLastFrameUrl');
  const frame = decodeImage(Buffer.from(await (await fetch(frameUrl)).arrayBuffer()));
  assert.deepEqual([frame.format, frame.width, frame.height], ['png', 480, 480]);

  // Auth managers and REST.
  const own = new ApiKeyAuthManager(console);
  assert.equal(own.isAuthenticated, false);
  await own.authenticate(env.apiKey);
  const init = await own.authenticateRequest({ headers: { accept: 'application/json' } });
  assert.deepEqual(init.headers, { accept: 'application/json', 'api-key': env.apiKey });
  assert.deepEqual(await own.socketOptions(), { headers: { 'api-key': env.apiKey } });
  const me = await fetch(new URL('/v1/account/me', env.rest), init);
  assert.equal(me.status, 200);
  own.clear();
  assert.equal(own.isAuthenticated, false);
  assert.ok(sogni.apiClient.auth instanceof ApiKeyAuthManager);
  assert.equal(sogni.apiClient.auth.isAuthenticated, true);
  const body = await within(10_000, sogni.apiClient.rest.get('/v1/account/me'), 'rest.get');
  assert.equal(body.status, 'success');
  assert.equal(body.data.username, 'other');

  // apiClient.attribution: the connection attribution normalized, frozen.
  const attributed = await SogniClient.createInstance(
    config({
      disableSocket: true,
      attribution: { connection: { interactionKind: 'service', executionMode: 'nope' }, workload: { workloadKind: 'service' } }
    })
  );
  try {
    assert.deepEqual(JSON.parse(JSON.stringify(attributed.apiClient.attribution)), {
      connection: { interactionKind: 'service' },
      workload: { workloadKind: 'service' }
    });
    assert.ok(Object.isFrozen(attributed.apiClient.attribution));
  } finally {
    attributed.dispose();
  }
  return `jobIndex ${project.jobs.map((j) => j.jobIndex)}, ${ranges.length} ETA intervals, enhanced ${enhancedImg.width}x${enhancedImg.height}, last frame ${frame.width}x${frame.height}`;
});
