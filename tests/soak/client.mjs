// One soak phase with one SDK, in its own Node process (the driver, run.mjs, kills it when it
// overruns). Reads its job from SOAK_JOB (JSON) and prints one line `SOAK_RESULT {…}`.
//
// Phases:
//   main     many concurrent image projects while the emulator injects faults
//   startup  /v1/account/me fails while the client starts, then projects must still work
//   preview  every preview URL fails to mint
//   auth     a REST 401 and a 4021 close take the credentials away mid-project
//
// Unhandled rejections and uncaught exceptions are counted here instead of killing the
// process (each one would kill a default Node process).
const job = JSON.parse(process.env.SOAK_JOB);
const started = Date.now();
const unhandled = [];
const uncaught = [];
process.on('unhandledRejection', (r) => unhandled.push(describe(r)));
process.on('uncaughtException', (e) => uncaught.push(describe(e)));

// Each line with the milliseconds since the phase started (run.mjs keeps them in results/).
const logs = [];
const line = (...a) => `${Date.now() - started} ${a.map(String).join(' ')}`;
const logger = {
  error: (...a) => logs.push(['error', line(...a)]),
  warn: (...a) => logs.push(['warn', line(...a)]),
  info: (...a) => logs.push(['info', line(...a)]),
  debug: () => {}
};

function describe(e) {
  if (e == null) return String(e);
  return `${e.name ?? typeof e}: ${e.message ?? String(e)}`.slice(0, 300);
}

function errorInfo(e) {
  return {
    name: e?.name ?? typeof e,
    code: e?.code ?? null,
    status: e?.status ?? null,
    typed: !!e && typeof e === 'object' && e instanceof Error && e.code !== undefined,
    message: String(e?.message ?? e).slice(0, 200)
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Settles with {ok, value|error} or {hung: true} after `ms`. */
function within(promise, ms) {
  let timer;
  return Promise.race([
    promise.then(
      (value) => ({ ok: true, value }),
      (error) => ({ ok: false, error })
    ),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve({ hung: true }), ms);
    })
  ]).finally(() => clearTimeout(timer));
}

const PNG_4x4 = Buffer.from(
  '89504e470d0a1a0a0000000d494844520000000400000004080200000026930929000000104944415478' +
    '9c6378c6c505470cc47100a4430fa1f3bddfbe0000000049454e44ae426082',
  'hex'
);

const { SogniClient } = await import(job.sdk);
const official = job.label === 'official';

async function makeClient(appId, apiKey, extra = {}) {
  const config = {
    appId,
    network: 'fast',
    restEndpoint: job.rest,
    socketEndpoint: job.socket,
    apiKey,
    logLevel: 'info',
    logger,
    ...extra
  };
  if (!official) config._recoveryTuning = job.tuning;
  const sogni = await SogniClient.createInstance(config);
  if (official && sogni.projects._recoveryTuning) {
    // The official client's own test knobs, set to the same values.
    Object.assign(sogni.projects._recoveryTuning, {
      authenticatedGraceMs: job.tuning.authenticatedGraceMs,
      recentlyCreatedGraceMs: job.tuning.recentlyCreatedGraceMs,
      missingProjectAttempts: 2,
      missingProjectRetryMs: 500
    });
  }
  return sogni;
}

function imageParams(i, extra = {}) {
  return {
    type: 'image',
    modelId: 'flux1-schnell-fp8',
    positivePrompt: `soak project ${i}`,
    numberOfMedia: job.media,
    steps: 4,
    sizePreset: 'custom',
    width: 256,
    height: 256,
    seed: 1000 + i,
    ...extra
  };
}

/** Fetches each URL (with a few retries: storage faults belong to the app); the last
 * failure of a URL that never fetched goes in `misses` (the soak's report shows them). */
async function fetchable(urls, misses) {
  let ok = 0;
  for (const url of urls) {
    let last = null;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const res = await fetch(url);
        const body = await res.arrayBuffer();
        if (res.ok && body.byteLength > 0) {
          ok++;
          last = null;
          break;
        }
        last = `HTTP ${res.status}, ${body.byteLength} bytes`;
      } catch (e) {
        last = String(e?.message ?? e);
      }
      await sleep(200);
    }
    if (last) misses.push(`${String(url).slice(0, 120)}: ${last}`);
  }
  return ok;
}

/** The project's jobs as `status[+url]` (the soak's report of a short project). */
const jobStates = (project) => project.jobs.map((j) => `${j.status}${j.resultUrl ? '+url' : ''}`).join(' ');

let inFlight = 0;
let maxInFlight = 0;

/** One project from create to its outcome, as an app would drive it. */
async function runProject(sogni, i, extra = {}) {
  const rec = { i, id: null, outcome: null, urls: 0, fetched: 0, error: null, ms: 0, cancel: null };
  const t0 = Date.now();
  const params = imageParams(i, extra);
  if (job.startingImageEvery && i % job.startingImageEvery === 3) {
    params.startingImage = PNG_4x4;
    params.startingImageStrength = 0.5;
  }
  const created = await within(sogni.projects.create(params), job.createTimeoutMs);
  if (created.hung) {
    rec.outcome = 'hung';
    rec.error = { name: 'hung', message: 'projects.create never settled' };
    rec.ms = Date.now() - t0;
    return rec;
  }
  if (!created.ok) {
    rec.outcome = 'createFailed';
    rec.error = errorInfo(created.error);
    rec.ms = Date.now() - t0;
    return rec;
  }
  const project = created.value;
  rec.id = project.id;
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  try {
    const done = project.waitForCompletion();
    let r = await within(done, job.appTimeoutMs);
    if (r.hung) {
      // The app gives up on a project that does not finish (a stalled worker) and cancels.
      rec.before = `${project.status}: ${jobStates(project)}`;
      const c = await within(project.cancel(), job.hangMs);
      rec.cancel = c.hung ? 'hung' : c.ok ? 'confirmed' : `rejected: ${errorInfo(c.error).message}`;
      r = await within(done, job.hangMs);
      if (r.hung) {
        rec.outcome = 'hung';
        rec.error = { name: 'hung', message: 'waitForCompletion never settled' };
        rec.ms = Date.now() - t0;
        return rec;
      }
    }
    if (r.ok) {
      rec.outcome = 'completed';
      rec.urls = r.value.length;
      rec.misses = [];
      rec.fetched = await fetchable(r.value, rec.misses);
      if (rec.urls < job.media) rec.jobs = jobStates(project);
    } else {
      rec.outcome = project.status === 'canceled' ? 'canceled' : 'failed';
      rec.error = errorInfo(r.error);
      rec.jobs = jobStates(project);
    }
  } finally {
    inFlight--;
  }
  rec.ms = Date.now() - t0;
  return rec;
}

/** Runs `count` projects with at most `concurrency` in flight. */
async function pool(sogni, count, concurrency, extra) {
  const records = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      records.push(await runProject(sogni, i, extra));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return records.sort((a, b) => a.i - b.i);
}

const result = { label: job.label, phase: job.phase, appIds: [] };
const clients = [];
try {
  if (job.phase === 'main') {
    const appId = `${job.appId}-main`;
    result.appIds.push(appId);
    const sogni = await makeClient(appId, job.apiKey);
    clients.push(sogni);
    sogni.on?.('error', (e) => logs.push(['error-event', describe(e)]));
    await sogni.projects.waitForModels();
    await fetch(`${job.rest}/emulator/faults`, { method: 'POST', body: JSON.stringify(job.scenario) });
    result.projects = await pool(sogni, job.projects, job.concurrency, {});
  } else if (job.phase === 'startup') {
    // The account load fails (500, more often than any retry budget) while the client
    // starts; the app then uses the client as usual.
    await fetch(`${job.rest}/emulator/faults`, { method: 'POST', body: JSON.stringify(job.scenario) });
    const appId = `${job.appId}-startup`;
    result.appIds.push(appId);
    const sogni = await makeClient(appId, job.apiKey);
    clients.push(sogni);
    const errors = [];
    sogni.on?.('error', (e) => errors.push(describe(e)));
    for (let t = 0; t < 40 && errors.length === 0; t++) await sleep(100);
    result.errorEvents = errors.length;
    await sogni.projects.waitForModels();
    result.projects = await pool(sogni, 4, 4, {});
  } else if (job.phase === 'preview') {
    await fetch(`${job.rest}/emulator/faults`, { method: 'POST', body: JSON.stringify(job.scenario) });
    const appId = `${job.appId}-preview`;
    result.appIds.push(appId);
    const sogni = await makeClient(appId, job.apiKey);
    clients.push(sogni);
    await sogni.projects.waitForModels();
    result.projects = await pool(sogni, 4, 4, { numberOfPreviews: 2, steps: 6 });
  } else if (job.phase === 'auth') {
    // Two clients on the second account: one gets a REST 401 while it mints a result URL,
    // the other's socket is closed with 4021. Every promise must settle.
    await fetch(`${job.rest}/emulator/faults`, { method: 'POST', body: JSON.stringify(job.scenario) });
    const records = [];
    for (const which of ['rest401', 'close4021']) {
      const appId = `${job.appId}-${which}`;
      result.appIds.push(appId);
      const sogni = await makeClient(appId, job.authKey);
      clients.push(sogni);
      await sogni.projects.waitForModels();
      const rs = await pool(sogni, 3, 3, { steps: 12 });
      records.push(...rs.map((r) => ({ ...r, client: which })));
    }
    result.projects = records;
  }
} catch (e) {
  result.fatal = describe(e);
}

// Late background failures get a moment to surface.
await sleep(500);
for (const c of clients) {
  try {
    c.dispose?.();
  } catch {}
  try {
    c.apiClient?.disconnect?.();
  } catch {}
}
const secrets = [job.apiKey, job.authKey].filter(Boolean);
const leaks = logs.filter(([, m]) => secrets.some((s) => m.includes(s)));
const errorLeaks = (result.projects ?? []).filter((p) => p.error && secrets.some((s) => JSON.stringify(p.error).includes(s)));
Object.assign(result, {
  ms: Date.now() - started,
  maxInFlight,
  unhandled,
  uncaught,
  secretLeaks: leaks.length + errorLeaks.length,
  logCounts: logs.reduce((m, [l]) => ((m[l] = (m[l] ?? 0) + 1), m), {})
});
if (process.env.SOAK_LOG) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${process.env.SOAK_LOG}-${job.label}-${job.phase}.log`, logs.map(([l, m]) => `${l} ${m}`).join('\n'));
  writeFileSync(`${process.env.SOAK_LOG}-${job.label}-${job.phase}.json`, JSON.stringify(result, null, 1));
}
process.stdout.write(`\nSOAK_RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
