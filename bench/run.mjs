// `cargo xtask bench`: sogni-wasm (pkg/) and the official @sogni-ai/sogni-client 5.54 side by
// side, in the same run, against local emulators; writes bench/results/<time>.{md,json} and
// bench/RESULTS.md. Every timed step runs in a fresh Node 22 process (child.mjs, cold.mjs) or a
// fresh Chromium context (browser.mjs); emulators bind 127.0.0.1.
//
// usage: node run.mjs [--quick] [--only size,cold,browser,throughput,latency,memory]
// env (set by cargo xtask bench): BENCH_EMULATOR, BENCH_PKG, BENCH_VARIANTS (JSON name → dir),
// BENCH_WASM_NAMED (the pkg .wasm optimised with names, for twiggy).
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH, ROOT, SDKS, USER, startEmulator, emulatorConfig, runChild, median, quantile } from './lib.mjs';
import { sizes } from './size.mjs';
import { browserColdStart } from './browser.mjs';
import { renderMarkdown } from './report.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
const want = (name) => !onlyArg || onlyArg.includes(name);

const N = {
  cold: quick ? 4 : 15,
  coldImport: quick ? 2 : 5,
  browser: quick ? 3 : 10,
  throughput: quick ? 1 : 5,
  latency: quick ? 10 : 40,
  latencyWarmup: 5,
  projects: 1000,
  blobMb: 500
};
const THROUGHPUT = { projects: 2, jobs: 50, steps: 50 }; // 100 jobs × 50 steps (the emulator caps a project at 64 jobs)

const started = Date.now();
const log = (msg) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}`);
const sdkEnv = (sdk, emu, extra = {}) => ({
  BENCH_SDK: sdk,
  BENCH_SDK_URL: SDKS[sdk].url,
  SOGNI_REST_ENDPOINT: emu.rest,
  SOGNI_SOCKET_ENDPOINT: emu.socket,
  BENCH_API_KEY: USER.apiKey,
  ...extra
});
const both = ['ours', 'theirs'];

function environment() {
  const git = (args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || '';
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--untracked-files=no']).length > 0,
    cpu: `${cpus()[0]?.model?.trim() || 'unknown'} × ${cpus().length}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    esbuild: JSON.parse(readFileSync(join(BENCH, 'node_modules/esbuild/package.json'), 'utf8')).version,
    official: JSON.parse(readFileSync(join(ROOT, 'tests/conformance/node_modules/@sogni-ai/sogni-client/package.json'), 'utf8')).version,
    quick,
    loadavg: { start: loadavg()[0] }
  };
}

// ---- 1. size -----------------------------------------------------------------------------
async function benchSize(outDir) {
  log('size: pkg/, per feature, esbuild bundles, twiggy');
  return sizes({
    variants: JSON.parse(process.env.BENCH_VARIANTS || '{}'),
    wasmWithNames: process.env.BENCH_WASM_NAMED || '',
    bundlePath: join(outDir, 'official-sdk.bundle.js')
  });
}

// ---- 2. Node cold start ------------------------------------------------------------------
async function benchCold(emu) {
  log(`node cold start: ${N.cold} fresh processes per SDK (+1 warm-up), heap after import ×${N.coldImport}`);
  const runs = { ours: [], theirs: [] };
  const imports = { ours: [], theirs: [] };
  for (let i = -1; i < N.cold; i++) {
    for (const sdk of both) {
      const r = await runChild('cold.mjs', sdkEnv(sdk, emu, { BENCH_MODE: 'full' }));
      if (i >= 0) runs[sdk].push(r);
    }
  }
  for (let i = 0; i < N.coldImport; i++) {
    for (const sdk of both) imports[sdk].push(await runChild('cold.mjs', sdkEnv(sdk, emu, { BENCH_MODE: 'import' })));
  }
  const empty = [];
  for (let i = 0; i < N.coldImport; i++) empty.push(await runChild('cold.mjs', sdkEnv('ours', emu, { BENCH_MODE: 'empty' })));
  const out = { runs: N.cold, emptyNodeHeap: median(empty.map((r) => r.mem.heapUsed)), webSocketGlobalMs: median(empty.map((r) => r.webSocketGlobalMs)),
    webSocketGlobalHeap: median(empty.map((r) => r.webSocketGlobalHeap)),
    transportHeap: empty.some((r) => r.transportHeap == null) ? null : median(empty.map((r) => r.transportHeap)),
    wasmCompileMs: median(empty.map((r) => r.wasmCompileMs)),
    toolsImportMs: empty[0].toolsImportMs == null ? null : median(empty.map((r) => r.toolsImportMs))
  };
  for (const sdk of both) {
    const rs = runs[sdk];
    const m = (f) => median(rs.map(f));
    out[sdk] = {
      bootMs: m((r) => r.bootMs),
      importMs: m((r) => r.importMs),
      createInstanceMs: m((r) => r.createInstanceMs),
      modelsMs: m((r) => r.modelsMs),
      importToAuthenticatedMs: m((r) => r.importToAuthenticatedMs),
      processStartToAuthenticatedMs: m((r) => r.processStartToAuthenticatedMs),
      importMsP90: quantile(rs.map((r) => r.importMs), 0.9),
      heapAfterImport: median(imports[sdk].map((r) => r.mem.heapUsed)),
      heapAuthenticated: m((r) => r.mem.heapUsed),
      externalAuthenticated: m((r) => r.mem.external),
      rssAuthenticated: m((r) => r.mem.rss),
      wasmMemory: sdk === 'ours' ? m((r) => r.wasmMemory) : null,
      raw: rs
    };
  }
  return out;
}

// ---- 3. browser cold start ---------------------------------------------------------------
async function benchBrowser(emu, outDir) {
  log(`browser cold start: ${N.browser} fresh Chromium contexts per SDK (+1 warm-up)`);
  const bundle = join(outDir, 'official-sdk.bundle.js');
  if (!existsSync(bundle)) await benchSize(outDir);
  return browserColdStart({ emu, officialBundle: bundle, runs: N.browser });
}

// ---- 4. event throughput -----------------------------------------------------------------
async function benchThroughput() {
  const { projects, jobs, steps } = THROUGHPUT;
  log(`event throughput: ${projects} projects × ${jobs} jobs × ${steps} steps, ${N.throughput} run(s) per SDK`);
  const emu = await startEmulator(emulatorConfig({ queueMs: 0, initMs: 0, stepMs: 0, maxJobMs: 0, completeMs: 100 }), { stamps: true });
  const runs = { ours: [], theirs: [] };
  // The transport floor (floor.mjs): the same frames with no SDK, over Node's WebSocket (as
  // ours) and over the `ws` package (as theirs).
  const floors = { webSocket: [], ws: [] };
  const wsEntry = join(ROOT, 'tests/conformance/node_modules/ws/wrapper.mjs');
  try {
    for (let i = 0; i < N.throughput; i++) {
      for (const [kind, extra] of [['webSocket', {}], ['ws', { BENCH_FLOOR_WS: wsEntry }]]) {
        const r = await runChild('floor.mjs', { ...sdkEnv('ours', emu), BENCH_OPTS: JSON.stringify(THROUGHPUT), ...extra });
        floors[kind].push({ frames: r.frames, urls: r.urls, cpuMs: (r.cpuUserUs + r.cpuSystemUs) / 1000 });
      }
      for (const sdk of both) {
        const r = await runChild('child.mjs', sdkEnv(sdk, emu, { BENCH_SCENARIO: 'throughput', BENCH_OPTS: JSON.stringify(THROUGHPUT) }));
        const stamps = r.projectIds.flatMap((id) => emu.readStamps(id)).sort((a, b) => a.t - b.t);
        const cpuUs = r.cpuUserUs + r.cpuSystemUs;
        runs[sdk].push({
          frames: stamps.length,
          sendSpanMs: (stamps.at(-1).t - stamps[0].t) / 1000,
          wallMs: r.wallMs,
          cpuMs: cpuUs / 1000,
          cpuUsPerEvent: cpuUs / stamps.length,
          eventsPerWallSecond: stamps.length / (r.wallMs / 1000),
          eventsPerCpuSecond: stamps.length / (cpuUs / 1e6),
          urls: r.urls,
          progressEvents: r.progressEvents
        });
      }
    }
  } finally {
    await emu.stop();
  }
  const out = { ...THROUGHPUT, runs: N.throughput };
  for (const sdk of both) {
    const rs = runs[sdk];
    out[sdk] = { ...Object.fromEntries(Object.keys(rs[0]).map((k) => [k, median(rs.map((r) => r[k]))])), raw: rs };
  }
  out.floor = {};
  for (const [kind, rs] of Object.entries(floors)) {
    out.floor[kind] = { frames: median(rs.map((r) => r.frames)), urls: median(rs.map((r) => r.urls)), cpuMs: median(rs.map((r) => r.cpuMs)), raw: rs };
  }
  // What each SDK spends above its transport's floor, per event.
  out.ours.ownCpuUsPerEvent = ((out.ours.cpuMs - out.floor.webSocket.cpuMs) * 1000) / out.ours.frames;
  out.theirs.ownCpuUsPerEvent = ((out.theirs.cpuMs - out.floor.ws.cpuMs) * 1000) / out.theirs.frames;
  return out;
}

// ---- 5. result overhead ------------------------------------------------------------------
async function benchLatency() {
  log(`result overhead: ${N.latency} sequential 1-job projects per SDK, twice (completeMs 0 and 100)`);
  const out = { projects: N.latency, warmup: N.latencyWarmup };
  for (const completeMs of [0, 100]) {
    const emu = await startEmulator(emulatorConfig({ queueMs: 0, initMs: 0, stepMs: 1, completeMs }), { stamps: true });
    try {
      for (const sdk of both) {
        const r = await runChild('child.mjs', sdkEnv(sdk, emu, { BENCH_SCENARIO: 'latency', BENCH_OPTS: JSON.stringify({ projects: N.latency }) }));
        const fromResult = [];
        const fromLast = [];
        let missingUrls = 0;
        for (const run of r.runs.slice(N.latencyWarmup)) {
          const stamps = emu.readStamps(run.projectId);
          const result = stamps.find((s) => s.kind === 'jobResult');
          const completed = stamps.find((s) => s.kind === 'jobState' && s.type === 'jobCompleted');
          if (!result || !completed) throw new Error(`latency ${sdk}: no jobResult/jobCompleted stamp for ${run.projectId}`);
          fromResult.push((run.resolvedAtUs - result.t) / 1000);
          fromLast.push((run.resolvedAtUs - completed.t) / 1000);
          if (run.urls < 1) missingUrls++;
        }
        out[`complete${completeMs}`] ??= { completeMs };
        out[`complete${completeMs}`][sdk] = {
          rawResultToResolvedMs: fromResult,
          rawCompletedToResolvedMs: fromLast,
          resultToResolvedMs: median(fromResult),
          resultToResolvedP90Ms: quantile(fromResult, 0.9),
          completedToResolvedMs: median(fromLast),
          completedToResolvedP90Ms: quantile(fromLast, 0.9),
          resolvedWithoutUrl: missingUrls
        };
      }
    } finally {
      await emu.stop();
    }
  }
  return out;
}

// ---- 6. memory ---------------------------------------------------------------------------
async function benchMemory() {
  log(`memory: ${N.projects} concurrent projects per SDK, then a ${N.blobMb} MB Blob reference`);
  // Projects stay queued 8 s after admission, so all are in flight when the heap is taken.
  const emu = await startEmulator(
    emulatorConfig({ queueMs: 8000, initMs: 100, stepMs: 300, maxJobMs: 100_000, completeMs: 100 }, { maxUploadBytes: (N.blobMb + 64) << 20 }),
    {}
  );
  const out = { projects: N.projects, blobMb: N.blobMb };
  try {
    for (const sdk of both) {
      const p = await runChild('child.mjs', sdkEnv(sdk, emu, { BENCH_SCENARIO: 'projects', BENCH_OPTS: JSON.stringify({ projects: N.projects }) }), { timeoutMs: 180_000 });
      const b = await runChild('child.mjs', sdkEnv(sdk, emu, { BENCH_SCENARIO: 'blob', BENCH_OPTS: JSON.stringify({ mb: N.blobMb }) }), { timeoutMs: 180_000 });
      out[sdk] = { projects: p, blob: b };
    }
  } finally {
    await emu.stop();
  }
  return out;
}

// ---- main --------------------------------------------------------------------------------
const outDir = join(BENCH, 'results');
mkdirSync(outDir, { recursive: true });
const results = { env: environment() };
if (want('size')) results.size = await benchSize(outDir);
if (want('cold') || want('browser')) {
  const emu = await startEmulator(emulatorConfig());
  try {
    if (want('cold')) results.cold = await benchCold(emu);
    if (want('browser')) results.browser = await benchBrowser(emu, outDir);
  } finally {
    await emu.stop();
  }
}
if (want('throughput')) results.throughput = await benchThroughput();
if (want('latency')) results.latency = await benchLatency();
if (want('memory')) results.memory = await benchMemory();
results.env.benchSeconds = (Date.now() - started) / 1000;
results.env.loadavg.end = loadavg()[0];

const stamp = results.env.date.replace(/[:.]/g, '-');
const md = renderMarkdown(results);
writeFileSync(join(outDir, `${stamp}.json`), JSON.stringify(results, null, 2));
writeFileSync(join(outDir, `${stamp}.md`), md);
if (!onlyArg && !quick) writeFileSync(join(BENCH, 'RESULTS.md'), md);
log(`wrote bench/results/${stamp}.md and .json${!onlyArg && !quick ? ', bench/RESULTS.md' : ''}`);
console.log(md);
