// The soak: the same fault scenarios against sogni-wasm (pkg/node.js) and the official
// @sogni-ai/sogni-client 5.54, each phase in its own Node process with a time limit, against
// one emulator (tests/soak/emulator.json: millisecond timings, loopback only). Prints the
// figures side by side, writes tests/soak/results/soak.{md,json} (each client's log and
// project records go to results/client-*), and fails unless sogni-wasm lost no result, sent
// no duplicate, left no promise hanging and raised no unhandled rejection. The official
// SDK's figures are reported, never asserted.
//
//   node run.mjs [--sdk wasm|official|both] [--projects N] [--phases main,startup,…]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const REST = process.env.SOGNI_REST_ENDPOINT;
const SOCKET = process.env.SOGNI_SOCKET_ENDPOINT;
if (!REST || !SOCKET) throw new Error('run through `cargo xtask soak` (SOGNI_REST_ENDPOINT is not set)');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const which = opt('sdk', 'both');
const PROJECTS = Number(opt('projects', 260));
const MEDIA = 4;
const CONCURRENCY = Number(opt('concurrency', 60));
const phases = opt('phases', 'main,startup,preview,auth').split(',');

function officialModule() {
  const req = createRequire(join(here, '../conformance/package.json'));
  const pkgJson = req.resolve('@sogni-ai/sogni-client/package.json');
  const meta = req('@sogni-ai/sogni-client/package.json');
  const exp = meta.exports?.['.'] ?? meta.exports;
  const entry =
    (typeof exp === 'string' ? exp : exp?.import?.default ?? exp?.import ?? exp?.default) ?? meta.module ?? meta.main;
  return pathToFileURL(join(dirname(pkgJson), entry)).href;
}

const SDKS = {
  wasm: process.env.SOGNI_PKG || pathToFileURL(join(here, '../../pkg/node.js')).href,
  official: which === 'wasm' ? null : officialModule()
};

// Recovery timings for the soak (both SDKs get the same values where they have the knob).
const tuning = {
  staleMs: 3000,
  authenticatedGraceMs: 1500,
  recentlyCreatedGraceMs: 1500,
  offlinePollMs: 1000,
  resubmitTimeoutMs: 20000
};

/** The main scenario: ≥ 100 faults over ~1,000 jobs (every N-th matching event). */
const mainScenario = {
  seed: 7,
  rules: [
    { kind: 'swallow', type: 'jobRequest', after: 20, every: 60, count: 4 },
    { kind: 'restart', type: 'jobRequest', after: 50, every: 70, count: 3 },
    { kind: 'drop', type: 'jobProgress', after: 250, every: 450, count: 4 },
    { kind: 'close', type: 'jobETA', code: 1001, reason: 'server restarting', after: 450, every: 600, count: 3 },
    { kind: 'close', type: 'jobState/initiatingModel', code: 1000, reason: 'normal closure', after: 200, count: 1 },
    { kind: 'close', type: 'jobState/initiatingModel', code: 4015, reason: 'Another connection with this appId was opened', after: 450, count: 1 },
    { kind: 'duplicate', type: 'jobResult', every: 25 },
    { kind: 'reorder', type: 'jobProgress', every: 45 },
    { kind: 'delay', type: 'jobResult', every: 33, ms: 300 },
    { kind: 'lose', type: 'jobResult', after: 40, every: 60, count: 5 },
    { kind: 'lose', type: 'jobState/jobCompleted', after: 10, every: 15, count: 3 },
    { kind: 'malformed', type: 'jobETA', variant: 'badBase64', every: 400 },
    { kind: 'malformed', type: 'jobETA', variant: 'badJson', after: 100, every: 400 },
    { kind: 'malformed', type: 'jobETA', variant: 'unknownType', after: 200, every: 400 },
    { kind: 'malformed', type: 'jobETA', variant: 'missingData', after: 300, every: 400 },
    { kind: 'http', path: '/v1/image/downloadUrl', status: 503, every: 40 },
    { kind: 'http', path: '/v1/image/downloadUrl', status: 429, retryAfter: 1, after: 7, every: 97 },
    { kind: 'http', path: '/v1/image/downloadUrl', status: 500, after: 13, every: 61 },
    { kind: 'http', path: '/v1/image/uploadUrl', status: 503, every: 6 },
    { kind: 'http', path: '/storage/', method: 'PUT', status: 500, every: 5 },
    { kind: 'http', path: '/storage/', method: 'PUT', ms: 400, after: 2, every: 5 },
    { kind: 'stall', after: 150, every: 400, count: 2 }
  ]
};

const PHASES = {
  main: {
    timeoutMs: 240_000,
    job: {
      projects: PROJECTS,
      concurrency: CONCURRENCY,
      media: MEDIA,
      startingImageEvery: 10,
      appTimeoutMs: 20_000,
      hangMs: 15_000,
      createTimeoutMs: 60_000,
      scenario: mainScenario
    }
  },
  startup: {
    timeoutMs: 60_000,
    job: {
      media: 1,
      appTimeoutMs: 20_000,
      hangMs: 5_000,
      createTimeoutMs: 30_000,
      scenario: { rules: [{ kind: 'http', path: '/v1/account/me', status: 500, count: 8 }] }
    }
  },
  preview: {
    timeoutMs: 60_000,
    job: {
      media: 1,
      appTimeoutMs: 20_000,
      hangMs: 5_000,
      createTimeoutMs: 30_000,
      scenario: { rules: [{ kind: 'http', path: '/v1/image/downloadUrl', query: 'type=preview', status: 500 }] }
    }
  },
  auth: {
    timeoutMs: 90_000,
    job: {
      media: 1,
      appTimeoutMs: 8_000,
      hangMs: 4_000,
      createTimeoutMs: 30_000,
      scenario: {
        rules: [
          { kind: 'http', path: '/v1/image/downloadUrl', status: 401, count: 1 },
          { kind: 'close', type: 'jobState/jobStarted', code: 4021, reason: 'Authentication failed', count: 1, appIdSuffix: true }
        ]
      }
    }
  }
};

function runPhase(label, phase, runId) {
  const spec = PHASES[phase];
  const appId = `soak-${label}-${runId}`;
  const job = {
    ...spec.job,
    label,
    phase,
    sdk: SDKS[label],
    rest: REST,
    socket: SOCKET,
    apiKey: 'soak-api-key',
    authKey: 'soak-auth-key',
    appId,
    tuning
  };
  // Scope the 4021 close to the auth phase's second client.
  job.scenario = {
    ...job.scenario,
    rules: job.scenario.rules.map(({ appIdSuffix, ...r }) => (appIdSuffix ? { ...r, appId: `${appId}-close4021` } : r))
  };
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(here, 'client.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The client's log lines and project records land in results/ (evidence when a run fails).
      env: { SOAK_LOG: logBase, ...process.env, SOAK_JOB: JSON.stringify(job) }
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, spec.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('SOAK_RESULT '));
      const result = line ? JSON.parse(line.slice('SOAK_RESULT '.length)) : null;
      resolve({
        label,
        phase,
        appId,
        wallMs: Date.now() - t0,
        exit: killed ? `killed after ${spec.timeoutMs / 1000} s` : signal ? `signal ${signal}` : `exit ${code}`,
        result,
        stderr: err.split('\n').slice(-15).join('\n')
      });
    });
  });
}

/** Where the clients write their logs (`<base>-<sdk>-<phase>.log`). */
const logBase = process.env.SOAK_LOG || join(here, 'results', 'client');

/** The client's log lines that name `id` (a short project's story, for the report). */
function logLinesOf(run, id) {
  const file = `${logBase}-${run.label}-${run.phase}.log`;
  if (!id || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.toUpperCase().includes(id.toUpperCase()))
    .slice(0, 8);
}

const post = (path, body) => fetch(`${REST}${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
const get = (path) => fetch(`${REST}${path}`).then((r) => r.json());

/** Figures of one phase run, from the client's records and the emulator's reports. */
function figures(run, faults, requests) {
  const r = run.result;
  const projects = r?.projects ?? [];
  const stalled = new Set(faults.stalledProjects ?? []);
  const expectedOf = (p) => (p.id && stalled.has(p.id) ? 0 : run.media);
  const count = (pred) => projects.filter(pred).length;
  const jobs = projects.reduce((n, p) => n + (p.id ? run.media : 0), 0);
  const expected = projects.reduce((n, p) => n + expectedOf(p), 0);
  const delivered = projects.reduce((n, p) => n + (p.id && !stalled.has(p.id) ? Math.min(p.fetched, run.media) : 0), 0);
  const reqIds = (requests.jobRequests ?? []).map((q) => String(q.jobID ?? '').toUpperCase());
  const perId = new Map();
  for (const id of reqIds) perId.set(id, (perId.get(id) ?? 0) + 1);
  const created = new Set(projects.filter((p) => p.id).map((p) => p.id));
  return {
    exit: run.exit,
    crashed: !r,
    wallS: +(run.wallMs / 1000).toFixed(1),
    projects: projects.length,
    created: created.size,
    createFailed: count((p) => p.outcome === 'createFailed'),
    jobs,
    expectedResults: expected,
    deliveredResults: delivered,
    lostResults: r ? expected - delivered : null,
    completed: count((p) => p.outcome === 'completed'),
    failed: count((p) => p.outcome === 'failed'),
    canceled: count((p) => p.outcome === 'canceled'),
    stalledCanceled: count((p) => p.outcome === 'canceled' && stalled.has(p.id)),
    stalled: stalled.size,
    hung: r ? count((p) => p.outcome === 'hung') : null,
    untypedRejections: count((p) => p.error && p.outcome !== 'hung' && !p.error.typed),
    duplicateSubmissions: faults.duplicateJobRequests ?? 0,
    jobRequestsSeen: reqIds.length,
    maxInFlight: r?.maxInFlight ?? null,
    unhandledRejections: r ? r.unhandled.length : null,
    uncaughtExceptions: r ? r.uncaught.length : null,
    secretLeaks: r?.secretLeaks ?? null,
    errorEvents: r?.errorEvents ?? null,
    faultsInjected: faults.total ?? 0,
    faultKinds: faults.fired ?? {},
    faultRules: (faults.rules ?? []).map((x) => `${x.kind} ${x.type ?? x.path ?? ''} ${x.code ?? x.status ?? ''}: ${x.fired}/${x.matched}`),
    samples: {
      unhandled: (r?.unhandled ?? []).slice(0, 3),
      uncaught: (r?.uncaught ?? []).slice(0, 3),
      errors: [...new Set(projects.filter((p) => p.error).map((p) => `${p.outcome}: ${p.error.name} ${p.error.code ?? ''} ${p.error.message}`))].slice(0, 6),
      // Projects that delivered fewer results than they had jobs: what the app got.
      shortfalls: projects
        .filter((p) => p.id && !stalled.has(p.id) && Math.min(p.fetched, run.media) < run.media)
        .slice(0, 6)
        .map((p) => ({ i: p.i, id: p.id, outcome: p.outcome, urls: p.urls, fetched: p.fetched, ms: p.ms, before: p.before, cancel: p.cancel, misses: p.misses, jobs: p.jobs, error: p.error, log: logLinesOf(run, p.id) })),
      fatal: r?.fatal ?? null,
      stderr: r ? null : run.stderr
    },
    _perIdMax: Math.max(0, ...perId.values())
  };
}

mkdirSync(join(here, 'results'), { recursive: true });
const runId = Date.now().toString(36);
const labels = which === 'both' ? ['wasm', 'official'] : [which];
const table = {};
for (const phase of phases) {
  for (const label of labels) {
    await fetch(`${REST}/emulator/faults`, { method: 'DELETE' });
    process.stderr.write(`soak: ${phase} on ${label}…\n`);
    const run = await runPhase(label, phase, runId);
    run.media = PHASES[phase].job.media;
    const faults = await get('/emulator/faults');
    const requests = { jobRequests: [] };
    for (const appId of run.result?.appIds ?? [`${run.appId}-${phase}`]) {
      const q = await get(`/emulator/requests?appId=${encodeURIComponent(appId)}`);
      requests.jobRequests.push(...(q.jobRequests ?? []));
    }
    await fetch(`${REST}/emulator/faults`, { method: 'DELETE' });
    (table[phase] ??= {})[label] = figures(run, faults, requests);
    process.stderr.write(`soak: ${phase} on ${label}: ${run.exit}, ${(run.wallMs / 1000).toFixed(1)} s\n`);
  }
}
void post;

// ---------------------------------------------------------------- report
const rows = [
  ['process', 'exit'],
  ['wall time (s)', 'wallS'],
  ['projects created', 'created'],
  ['jobs', 'jobs'],
  ['max projects in flight', 'maxInFlight'],
  ['faults injected', 'faultsInjected'],
  ['results expected (stalled excluded)', 'expectedResults'],
  ['results delivered (fetched)', 'deliveredResults'],
  ['**lost results**', 'lostResults'],
  ['**duplicate submissions**', 'duplicateSubmissions'],
  ['**hung promises**', 'hung'],
  ['**unhandled rejections**', 'unhandledRejections'],
  ['uncaught exceptions', 'uncaughtExceptions'],
  ['create() failures', 'createFailed'],
  ['projects completed / failed / canceled', (f) => `${f.completed} / ${f.failed} / ${f.canceled}`],
  ['stalled workers → canceled', (f) => `${f.stalled} → ${f.stalledCanceled}`],
  ['rejections without a typed code', 'untypedRejections'],
  ['`error` events', 'errorEvents'],
  ['secrets in logs or errors', 'secretLeaks']
];
const cell = (f, key) => {
  if (!f) return '–';
  const v = typeof key === 'function' ? key(f) : f[key];
  return v === null || v === undefined ? '–' : String(v);
};
let md = `# Soak: sogni-wasm vs the official SDK under injected faults\n\n`;
md += `Generated by \`cargo xtask test soak\` (tests/soak/run.mjs) on Node ${process.version}; one emulator on loopback with millisecond timings; each phase in its own process with a time limit. Timings are indicative, not asserted.\n\n`;
for (const phase of phases) {
  md += `## ${phase}\n\n| | ${labels.map((l) => (l === 'wasm' ? 'sogni-wasm' : '@sogni-ai/sogni-client 5.54')).join(' | ')} |\n|---|${labels.map(() => '---').join('|')}|\n`;
  for (const [name, key] of rows) md += `| ${name} | ${labels.map((l) => cell(table[phase]?.[l], key)).join(' | ')} |\n`;
  const kinds = new Set(labels.flatMap((l) => Object.keys(table[phase]?.[l]?.faultKinds ?? {})));
  if (kinds.size) {
    md += `\nFaults fired: ${labels
      .map((l) => `${l}: ${Object.entries(table[phase]?.[l]?.faultKinds ?? {}).map(([k, n]) => `${k} ×${n}`).join(', ')}`)
      .join('; ')}\n`;
  }
  for (const l of labels) {
    const s = table[phase]?.[l]?.samples;
    if (!s) continue;
    const notes = [
      ...s.unhandled.map((x) => `unhandled rejection: ${x}`),
      ...s.uncaught.map((x) => `uncaught exception: ${x}`),
      ...s.errors,
      ...s.shortfalls.map((x) => `short: project ${x.i} ${x.outcome}, ${x.urls} URLs, ${x.fetched} fetched, jobs [${x.jobs ?? ''}]${x.before ? ` (at the app's timeout ${x.before})` : ''}, cancel ${x.cancel ?? '–'}${[...(x.misses ?? []), ...(x.log ?? [])].map((m) => `; ${m}`).join('')}`),
      ...(s.fatal ? [`fatal: ${s.fatal}`] : [])
    ];
    if (notes.length) md += `\n${l} samples:\n${notes.map((n) => `- ${n.replace(/\n/g, ' ')}`).join('\n')}\n`;
  }
  md += '\n';
}
writeFileSync(join(here, 'results/soak.md'), md);
writeFileSync(join(here, 'results/soak.json'), JSON.stringify(table, null, 2));
console.log(md);

// ---------------------------------------------------------------- assertions (sogni-wasm)
const failures = [];
const expect = (cond, what) => {
  if (!cond) failures.push(what);
};
if (labels.includes('wasm')) {
  for (const phase of phases) {
    const f = table[phase].wasm;
    const p = `${phase}:`;
    expect(!f.crashed && f.exit === 'exit 0', `${p} the process ended on its own (${f.exit})`);
    expect(f.hung === 0, `${p} 0 hung promises (${f.hung})`);
    expect(f.unhandledRejections === 0, `${p} 0 unhandled rejections (${f.unhandledRejections})`);
    expect(f.uncaughtExceptions === 0, `${p} 0 uncaught exceptions (${f.uncaughtExceptions})`);
    expect(f.duplicateSubmissions === 0, `${p} 0 duplicate submissions (${f.duplicateSubmissions})`);
    expect(f.secretLeaks === 0, `${p} no secret in logs or errors (${f.secretLeaks})`);
    expect(f.untypedRejections === 0, `${p} every rejection typed (${f.untypedRejections})`);
    if (phase !== 'auth') {
      expect(f.lostResults === 0, `${p} 0 lost results (${f.lostResults})`);
      expect(f.createFailed === 0, `${p} no create() failure (${f.createFailed})`);
    }
  }
  const m = table.main?.wasm;
  if (m && PROJECTS >= 250) {
    expect(m.jobs >= 1000, `main: ≥ 1,000 jobs (${m.jobs})`);
    expect(m.faultsInjected >= 100, `main: ≥ 100 faults (${m.faultsInjected})`);
    expect(m.maxInFlight >= 50, `main: ≥ 50 concurrent projects (${m.maxInFlight})`);
    expect(m.stalledCanceled === m.stalled, `main: every stalled project canceled (${m.stalledCanceled}/${m.stalled})`);
  }
  if (table.startup?.wasm) expect(table.startup.wasm.errorEvents >= 1, 'startup: the failed account load is an `error` event');
}
if (failures.length) {
  console.error(`soak: sogni-wasm failed ${failures.length} check(s):\n  - ${failures.join('\n  - ')}`);
  process.exit(1);
}
console.log('soak: sogni-wasm passed every check');
