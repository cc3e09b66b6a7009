// The 5.54 members of Project and Job (startedAt, estimatedStartAt, queueStatus; type,
// jobIndex, eta, etaRange, nsfwSources, isWithheld, hasResultMedia, provenance,
// lastFrameUrl/getLastFrameUrl, getResultData, enhance/enhancedImage) and the client's auth
// and REST members (ApiKeyAuthManager, apiClient.auth, apiClient.rest, apiClient.attribution)
// against the emulator, checked as a user would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readMp4 } from './media.mjs';
import { endpoints, sdk } from './harness.mjs';

const { REST, base, stats } = endpoints();
const { SogniClient, ApiKeyAuthManager, AuthManager, Job, ValidationError, ApiError, AbortError } = sdk;

const appId = () => `entities-${Math.random().toString(36).slice(2)}`;
const requests = async (app) => (await fetch(`${REST}/emulator/requests?appId=${app}`)).json();
const client = async (extra = {}) => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId(), apiKey: 'demo-api-key', network: 'fast', ...extra });
  await sogni.projects.waitForModels();
  return sogni;
};
const image = (extra = {}) => ({
  type: 'image',
  modelId: 'flux1-schnell-fp8',
  positivePrompt: 'a lighthouse at dusk',
  numberOfMedia: 1,
  steps: 4,
  sizePreset: 'custom',
  width: 256,
  height: 256,
  ...extra
});
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Width and height of a PNG (its IHDR), or throws when the bytes are not a PNG. */
function pngSize(bytes) {
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG signature');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const rejectsWith = (promise, Class, code) =>
  assert.rejects(promise, (e) => {
    assert.ok(e instanceof Class, `${e?.name}: ${e?.message}`);
    if (code) assert.equal(e.code, code);
    return true;
  });

test('Project: startedAt, and estimatedStartAt/queueStatus while queued, cleared once a worker takes it', async () => {
  const sogni = await client();
  try {
    const before = Date.now();
    const project = await sogni.projects.create(image({ numberOfMedia: 3 }));
    assert.ok(project.startedAt instanceof Date);
    assert.ok(project.startedAt.getTime() >= before - 5 && project.startedAt.getTime() <= Date.now());
    const queued = [];
    project.on('updated', (keys) => {
      if (keys.includes('queueStatus')) queued.push({ status: project.queueStatus, at: project.estimatedStartAt });
    });
    const etaRanges = [];
    project.on('jobStarted', (job) =>
      job.on('updated', (keys) => keys.includes('etaRange') && etaRanges.push({ ...job.etaRange, eta: job.eta }))
    );
    await project.waitForCompletion();
    assert.equal(queued[0].status, 'waiting');
    assert.ok(queued[0].at instanceof Date && queued[0].at > project.startedAt, 'a start estimate in the future');
    assert.deepEqual(queued.at(-1), { status: undefined, at: undefined }, 'cleared when the first job started');
    assert.equal(project.queueStatus, undefined);
    assert.equal(project.estimatedStartAt, undefined);
    // Jobs: their position, media type, ETA and its interval.
    assert.deepEqual(project.jobs.map((j) => j.jobIndex).sort(), [0, 1, 2]);
    assert.ok(project.jobs.every((j) => j.type === 'image'));
    assert.ok(etaRanges.length > 0, 'the worker reported an ETA interval');
    assert.ok(etaRanges.every((r) => r.min <= r.max && r.max > 0));
    const [first, last] = [etaRanges[0], etaRanges.at(-1)];
    assert.ok(last.max - last.min <= first.max - first.min, 'the interval narrows');
    assert.ok(project.jobs.every((j) => j.eta instanceof Date));
    assert.ok(project.eta instanceof Date, 'the project ETA is a Date too');
    const json = JSON.parse(JSON.stringify(project.toJSON()));
    assert.equal(json.startedAt, project.startedAt.toISOString());
    assert.deepEqual(json.jobs.map((j) => j.jobIndex).sort(), [0, 1, 2]);
  } finally {
    sogni.dispose();
  }
});

test("a model with no worker on the network: queueStatus 'no-workers' without an estimate, then 'waiting'", async () => {
  const sogni = await client({ network: 'relaxed' });
  try {
    const project = await sogni.projects.create(image({ modelId: 'z_image_turbo_bf16' }));
    const seen = [];
    project.on('updated', (keys) => keys.includes('queueStatus') && seen.push([project.queueStatus, project.estimatedStartAt]));
    await project.waitForCompletion();
    assert.deepEqual(seen[0], ['no-workers', undefined]);
    assert.equal(seen[1][0], 'waiting');
    assert.ok(seen[1][1] instanceof Date);
  } finally {
    sogni.dispose();
  }
});

test('Job: provenance hashes the delivered bytes; getResultData is a Blob of the PNG; typed refusals', async () => {
  const sogni = await client();
  try {
    const project = await sogni.projects.create(image({ numberOfMedia: 2 }));
    const urls = await project.waitForCompletion();
    assert.equal(urls.length, 2);
    for (const job of project.jobs) {
      assert.equal(job.hasResultMedia, true);
      assert.equal(job.isWithheld, false);
      assert.deepEqual(job.nsfwSources, []);
      assert.equal(job.lastFrameUrl, undefined);
      const blob = await job.getResultData(AbortSignal.timeout(10_000));
      assert.ok(blob instanceof Blob);
      assert.equal(blob.type, 'image/png');
      const bytes = Buffer.from(await blob.arrayBuffer());
      assert.deepEqual(pngSize(bytes), { width: 256, height: 256 });
      assert.match(job.provenance.sha256, /^[0-9a-f]{64}$/);
      assert.equal(job.provenance.sha256, sha256(bytes), 'provenance.sha256 is the hash of the bytes');
    }
    // An aborted signal: AbortError, nothing downloaded.
    await rejectsWith(project.jobs[0].getResultData(AbortSignal.abort()), AbortError, 'ABORTED');
    // A job whose project is still running has no media yet.
    const running = await sogni.projects.create(image({ steps: 12 }));
    const job = await new Promise((resolve) => running.once('jobStarted', resolve));
    assert.equal(job.hasResultMedia, false);
    await rejectsWith(job.getResultData(), ValidationError, 'NO_RESULT_MEDIA');
    await rejectsWith(job.enhance('medium'), ValidationError, 'JOB_NOT_COMPLETED');
    await running.cancel();
  } finally {
    sogni.dispose();
  }
});

test('NSFW: a withheld job has no media and says which signal fired; with the filter off it is delivered and labelled', async () => {
  const sogni = await client();
  try {
    const withheld = await sogni.projects.create(image({ positivePrompt: 'nsfw test prompt' }));
    assert.deepEqual(await withheld.waitForCompletion(), []);
    const job = withheld.jobs[0];
    assert.equal(job.isNSFW, true);
    assert.equal(job.isWithheld, true);
    assert.equal(job.hasResultMedia, false);
    assert.deepEqual(job.nsfwSources, ['prompt']);
    assert.equal(job.provenance, undefined, 'no media, no receipt');
    const sent = (await stats()).jobRequests;
    await rejectsWith(job.getResultData(), ValidationError, 'NO_RESULT_MEDIA');
    await rejectsWith(job.enhance('light'), ValidationError, 'NO_RESULT_MEDIA');
    assert.equal((await stats()).jobRequests, sent, 'nothing was sent');

    const labelled = await sogni.projects.create(image({ positivePrompt: 'nsfw test prompt', disableNSFWFilter: true }));
    await labelled.waitForCompletion();
    const delivered = labelled.jobs[0];
    assert.equal(delivered.nsfwDetected, true);
    assert.equal(delivered.isWithheld, false);
    assert.equal(delivered.hasResultMedia, true);
    assert.deepEqual(delivered.nsfwSources, ['prompt']);
    pngSize(Buffer.from(await (await delivered.getResultData()).arrayBuffer()));
  } finally {
    sogni.dispose();
  }
});

test('enhance(): a Flux project started from the result; enhancedImage follows it; bad input is typed', async () => {
  const sogni = await client();
  try {
    const project = await sogni.projects.create(image({ seed: 1234, stylePrompt: 'oil painting', tokenType: 'spark' }));
    const [original] = await project.waitForCompletion();
    const job = project.jobs[0];
    assert.equal(job.enhancedImage, null);
    const updates = [];
    job.on('updated', (keys) => keys.includes('enhancedImage') && updates.push(job.enhancedImage.status));
    const url = await job.enhance('medium', { positivePrompt: 'a lighthouse at dawn' }, AbortSignal.timeout(30_000));
    assert.equal(typeof url, 'string');
    assert.notEqual(url, original);
    const enhanced = job.enhancedImage;
    assert.equal(enhanced.status, 'completed');
    assert.equal(enhanced.progress, 100);
    assert.equal(enhanced.result, url);
    assert.ok(updates.includes('completed'), 'the job emitted updated with enhancedImage');
    const fresh = await enhanced.getResultUrl();
    const bytes = Buffer.from(await (await fetch(fresh)).arrayBuffer());
    assert.deepEqual(pngSize(bytes), { width: 256, height: 256 }, 'the custom size is kept');
    // What went on the wire: the enhancement request, with the original image uploaded.
    const { jobRequests, uploads } = await requests(sogni.apiClient.appId);
    const request = jobRequests.at(-1);
    const kf = request.keyFrames[0];
    assert.equal(kf.modelID, 'flux1-schnell-fp8');
    assert.equal(kf.steps, 5);
    assert.equal(kf.positivePrompt, 'a lighthouse at dawn');
    assert.equal(kf.stylePrompt, 'oil painting');
    assert.equal(kf.seed, job.seed);
    assert.equal(kf.hasStartingImage, true);
    assert.ok(Math.abs(kf.strength - 0.35) < 1e-9, 'medium: 35 % may change');
    assert.equal(request.tokenType, 'spark');
    assert.ok(uploads.some((u) => u.jobId === request.jobID && u.query.type === 'startingImage'));

    const sent = (await stats()).jobRequests;
    await rejectsWith(job.enhance('max'), ValidationError, 'INVALID_STRENGTH');
    await rejectsWith(job.enhance('light', { tokenType: 'gold' }), ValidationError, 'INVALID_PARAMS');
    await rejectsWith(job.enhance('light', {}, AbortSignal.abort()), AbortError, 'ABORTED');
    assert.equal((await stats()).jobRequests, sent, 'no refused enhancement reached the server');
  } finally {
    sogni.dispose();
  }
});

test('video: type, the exported last frame (lastFrameUrl, getLastFrameUrl) and getResultData of the MP4', async () => {
  const sogni = await client();
  try {
    const video = (extra) => ({ type: 'video', modelId: 'seedance-2-5', positivePrompt: 'waves on a beach', numberOfMedia: 1, duration: 4, width: 480, height: 480, tokenType: 'spark', ...extra });
    const project = await sogni.projects.create(video({ returnLastFrame: true }));
    await project.waitForCompletion();
    const job = project.jobs[0];
    assert.equal(job.type, 'video');
    assert.match(job.lastFrameUrl, /^http/);
    const frame = Buffer.from(await (await fetch(job.lastFrameUrl)).arrayBuffer());
    assert.deepEqual(pngSize(frame), { width: 480, height: 480 });
    const fresh = await job.getLastFrameUrl(AbortSignal.timeout(10_000));
    assert.equal(job.lastFrameUrl, fresh, 'the fresh URL is kept');
    assert.ok(frame.equals(Buffer.from(await (await fetch(fresh)).arrayBuffer())));
    const mp4 = Buffer.from(await (await job.getResultData()).arrayBuffer());
    assert.equal(readMp4(mp4).width, 480);
    assert.equal(job.provenance.sha256, sha256(mp4));
    await rejectsWith(job.enhance('light'), ValidationError, 'ENHANCE_UNSUPPORTED');
    await rejectsWith(job.getLastFrameUrl(AbortSignal.abort()), AbortError, 'ABORTED');
    // Without returnLastFrame there is no frame to sign.
    const plain = await sogni.projects.create(video({}));
    await plain.waitForCompletion();
    assert.equal(plain.jobs[0].lastFrameUrl, undefined);
    await rejectsWith(plain.jobs[0].getLastFrameUrl(), ApiError);
  } finally {
    sogni.dispose();
  }
});

test('ApiKeyAuthManager on its own: authenticate, authenticateRequest, socketOptions, backup, clear, updated', async () => {
  const auth = new ApiKeyAuthManager(console);
  assert.equal(auth.isAuthenticated, false);
  assert.deepEqual(await auth.authenticateRequest({ method: 'GET' }), { method: 'GET' });
  assert.equal(await auth.socketOptions(), undefined);
  assert.equal(await auth.backup(), null);
  const events = [];
  auth.on('updated', (v) => events.push(v));
  await auth.authenticate('demo-api-key');
  assert.equal(auth.isAuthenticated, true);
  assert.equal(await auth.backup(), 'demo-api-key');
  assert.deepEqual(await auth.socketOptions(), { headers: { 'api-key': 'demo-api-key' } });
  const init = await auth.authenticateRequest({ headers: new Headers({ Accept: 'application/json' }) });
  assert.deepEqual(init.headers, { accept: 'application/json', 'api-key': 'demo-api-key' });
  const res = await fetch(`${REST}/v1/account/me`, init);
  assert.equal(res.status, 200, 'the request it authenticated is accepted');
  assert.equal((await res.json()).data.username, 'demo');
  auth.clear();
  auth.clear();
  assert.equal(auth.isAuthenticated, false);
  assert.deepEqual(events, [true, false], 'one updated per change');
  await rejectsWith(auth.authenticate(''), ValidationError, 'INVALID_API_KEY');
  await rejectsWith(auth.authenticate(42), ValidationError, 'INVALID_API_KEY');
  await rejectsWith(auth.authenticate('k', AbortSignal.abort()), AbortError, 'ABORTED');
  assert.equal(auth.isAuthenticated, false, 'an aborted call changes nothing');
});

test("apiClient.auth of an API-key client is the client's ApiKeyAuthManager: clear signs out, authenticate signs in again", async () => {
  const sogni = await client();
  try {
    const auth = sogni.apiClient.auth;
    assert.ok(auth instanceof ApiKeyAuthManager);
    assert.equal(auth.isAuthenticated, true);
    assert.equal(await auth.backup(), 'demo-api-key');
    const events = [];
    auth.on('updated', (v) => events.push(v));
    auth.clear();
    assert.equal(sogni.apiClient.isAuthenticated, false);
    assert.equal(sogni.currentAccount.isAuthenticated, false);
    await rejectsWith(sogni.account.me(), ApiError);
    await sogni.apiClient.auth.authenticate('demo-api-key');
    assert.equal(sogni.apiClient.isAuthenticated, true);
    assert.equal((await sogni.account.me()).username, 'demo');
    const project = await sogni.projects.create(image());
    assert.equal((await project.waitForCompletion()).length, 1, 'the socket is back');
    assert.deepEqual(events, [false, true]);
  } finally {
    sogni.dispose();
  }
});

test('apiClient.auth of a token client: backup, authenticateRequest, socketOptions; restoring from a backup', async () => {
  const sogni = await SogniClient.createInstance({ ...base, appId: appId() });
  try {
    const auth = sogni.apiClient.auth;
    assert.ok(auth instanceof AuthManager);
    assert.equal(auth.kind, 'token');
    assert.equal(await auth.backup(), null);
    await sogni.account.login('demo', 'demo-password');
    const saved = await auth.backup();
    assert.equal(saved.token.split('.').length, 3);
    const init = await auth.authenticateRequest({ headers: { 'x-a': '1' } });
    assert.deepEqual(init.headers, { 'x-a': '1', Authorization: saved.token });
    assert.deepEqual(await auth.socketOptions(), { headers: { Authorization: saved.token } });
    const other = await SogniClient.createInstance({ ...base, appId: appId(), disableSocket: true });
    try {
      await other.apiClient.auth.authenticate(saved);
      assert.equal((await other.account.me()).username, 'demo');
      await rejectsWith(other.apiClient.auth.authenticate({ token: 'x' }), ValidationError, 'INVALID_TOKENS');
    } finally {
      other.dispose();
    }
    auth.clear();
    assert.equal(sogni.currentAccount.isAuthenticated, false);
  } finally {
    sogni.dispose();
  }
});

test('apiClient.rest: get/post/delete with the client credentials, whole envelopes, ApiErrors and typed refusals', async () => {
  const sogni = await client();
  try {
    const rest = sogni.apiClient.rest;
    assert.equal(rest.baseUrl, new URL(REST).origin);
    assert.ok(rest.auth instanceof ApiKeyAuthManager);
    const me = await rest.get('/v1/account/me');
    assert.equal(me.status, 'success');
    assert.equal(me.data.username, 'demo');
    // A POST body, and a query (undefined values are left out).
    const runId = `rest-${Math.random().toString(36).slice(2)}`;
    const created = await rest.post('/v1/replay/records', { run_id: runId, rounds: [] }, { timeoutMs: 10_000, headers: { 'x-trace': '1' } });
    assert.equal(created.runId, runId);
    const listed = await rest.get('/v1/replay/records', { limit: 5, cursor: undefined });
    assert.ok(JSON.stringify(listed).includes(runId), 'the POSTed record is listed');
    await rejectsWith(rest.get('/v1/no-such-route'), ApiError);
    await rest.get('/v1/no-such-route').catch((e) => assert.equal(e.status, 404));
    await rejectsWith(rest.delete('/v1/assets/no-such-asset'), ApiError);
    const http = async () => (await (await fetch(`${REST}/emulator/requests?appId=x&http`)).json()).http.length;
    const before = await http();
    await rejectsWith(rest.get('https://evil.example/v1/account/me'), ValidationError, 'INVALID_PATH');
    await rejectsWith(rest.get('v1/account/me'), ValidationError, 'INVALID_PATH');
    await rejectsWith(rest.post('/v1/replay/records', 'text'), ValidationError, 'INVALID_PARAMS');
    await rejectsWith(rest.get('/v1/account/me', {}, AbortSignal.abort()), AbortError, 'ABORTED');
    await rejectsWith(rest.post('/v1/replay/records', {}, { signal: AbortSignal.abort() }), AbortError, 'ABORTED');
    assert.equal(await http(), before, 'refused calls sent nothing');
  } finally {
    sogni.dispose();
  }
});

test('apiClient.attribution: frozen and normalized; connection fields on the socket URL, workload fields on jobRequest', async () => {
  const attribution = {
    connection: { interactionKind: 'external_agent', agentFramework: 'codex', agentSurface: 'cli', executionMode: 'teleport' },
    workload: { workloadKind: 'agent_mediated', agentFramework: 'codex', agentSurface: 'cli' }
  };
  const sogni = await client({ attribution });
  try {
    const a = sogni.apiClient.attribution;
    assert.deepEqual(a, {
      connection: { interactionKind: 'external_agent', agentFramework: 'codex', agentSurface: 'cli' },
      workload: attribution.workload
    });
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.connection));
    const project = await sogni.projects.create(image({ attribution: { operationId: 'op-1', rootOperationId: 'root-1' } }));
    await project.waitForCompletion();
    const log = await requests(sogni.apiClient.appId);
    const query = log.connections.at(-1);
    assert.equal(query.interactionKind, 'external_agent');
    assert.equal(query.agentFramework, 'codex');
    assert.equal(query.executionMode, undefined, 'invalid values are dropped');
    const request = log.jobRequests.at(-1);
    assert.equal(request.workloadKind, 'agent_mediated');
    assert.equal(request.agentFramework, 'codex');
    assert.equal(request.operationId, 'op-1');
    assert.equal(request.operationScope, 'child');
    assert.equal(request.parentOperationId, 'root-1');
    const plain = await client();
    try {
      assert.deepEqual(plain.apiClient.attribution, {});
      const p = await plain.projects.create(image());
      await p.waitForCompletion();
      const r = (await requests(plain.apiClient.appId)).jobRequests.at(-1);
      assert.equal(r.workloadKind, undefined, 'no attribution, no fields');
    } finally {
      plain.dispose();
    }
  } finally {
    sogni.dispose();
  }
});

test("Job.fromRaw: a project's REST job records are its jobs (same IDs, results, seeds); a record it lacks joins it; typed refusals", async () => {
  const sogni = await client();
  try {
    const project = await sogni.projects.create(image({ numberOfMedia: 2 }));
    const urls = await project.waitForCompletion();
    const raw = await sogni.projects.get(project.id);
    assert.equal(raw.completedWorkerJobs.length, 2);
    // The official SDK's options carry its internal api and logger too: accepted.
    const options = { project, api: sogni.projects, logger: console };
    for (const rawJob of raw.completedWorkerJobs) {
      const job = Job.fromRaw(raw, rawJob, options);
      assert.ok(job instanceof Job);
      assert.equal(job.id.toUpperCase(), rawJob.imgID.toUpperCase());
      assert.equal(job.projectId, project.id);
      assert.equal(job.status, 'completed');
      assert.equal(job.seed, rawJob.seedUsed);
      assert.equal(job.resultUrl, project.job(job.id).resultUrl);
      const bytes = Buffer.from(await (await fetch(job.resultUrl)).arrayBuffer());
      assert.deepEqual(pngSize(bytes), { width: 256, height: 256 });
    }
    assert.equal(project.jobs.length, 2, 'the records are the jobs the project has, not new ones');
    assert.deepEqual(project.resultUrls, urls);

    // A record the project has not seen (a job this client missed) joins it, as a REST sync.
    const started = [];
    project.on('jobStarted', (job) => started.push(job.id));
    const missed = { imgID: 'missed-job-1', status: 'jobProgress', performedSteps: 2, seedUsed: 77, worker: { name: 'gpu-7' } };
    const job = Job.fromRaw({ ...raw, stepCount: 4 }, missed, { project });
    assert.equal(job.id, 'MISSED-JOB-1');
    assert.equal(job.status, 'processing');
    assert.deepEqual([job.step, job.stepCount, job.seed, job.workerName], [2, 4, 77, 'gpu-7']);
    assert.deepEqual(started, ['MISSED-JOB-1']);
    assert.equal(project.jobs.length, 3);
    assert.equal(project.job('missed-job-1').id, 'MISSED-JOB-1', 'the project finds it');
    // The same record again is the same job.
    Job.fromRaw(raw, { ...missed, performedSteps: 3 }, { project });
    assert.equal(project.jobs.length, 3);
    assert.equal(project.job('MISSED-JOB-1').step, 3);

    // Refusals, before anything changes.
    const throwsCode = (fn, code) =>
      assert.throws(fn, (e) => {
        assert.ok(e instanceof ValidationError, `${e?.name}: ${e?.message}`);
        assert.equal(e.code, code);
        return true;
      });
    const rawJob = raw.completedWorkerJobs[0];
    throwsCode(() => Job.fromRaw(raw, rawJob), 'INVALID_OPTIONS');
    throwsCode(() => Job.fromRaw(raw, rawJob, { project: { id: project.id } }), 'INVALID_OPTIONS');
    throwsCode(() => Job.fromRaw(null, rawJob, { project }), 'INVALID_RAW_PROJECT');
    throwsCode(() => Job.fromRaw({ ...raw, id: crypto.randomUUID() }, rawJob, { project }), 'INVALID_RAW_PROJECT');
    throwsCode(() => Job.fromRaw(raw, 'job', { project }), 'INVALID_RAW_JOB');
    throwsCode(() => Job.fromRaw(raw, { imgID: 7 }, { project }), 'INVALID_RAW_JOB');
    assert.equal(project.jobs.length, 3);
  } finally {
    sogni.dispose();
  }
});
