// One benchmark scenario with one SDK, in a fresh Node process (run by run.mjs). Prints one
// JSON line. Env: BENCH_SCENARIO (throughput | latency | projects | blob), BENCH_SDK
// (ours | theirs), BENCH_SDK_URL, SOGNI_REST_ENDPOINT, SOGNI_SOCKET_ENDPOINT, BENCH_API_KEY,
// BENCH_OPTS (JSON).
const { SogniClient } = await import(process.env.BENCH_SDK_URL);
const opts = JSON.parse(process.env.BENCH_OPTS || '{}');
const ours = process.env.BENCH_SDK === 'ours';

let wasmMemoryObject = null;
if (ours) {
  // The glue's initSync returns the already-initialised exports, `memory` among them.
  const glue = await import(new URL('./sogni_wasm.js', process.env.BENCH_SDK_URL).href);
  wasmMemoryObject = glue.initSync().memory;
}
const wasmMemory = () => (wasmMemoryObject ? wasmMemoryObject.buffer.byteLength : null);
const epochMs = () => performance.timeOrigin + performance.now();

function mem() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, wasmMemory: wasmMemory() };
}

const sogni = await SogniClient.createInstance({
  appId: `bench-${process.env.BENCH_SCENARIO}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  network: 'fast',
  apiKey: process.env.BENCH_API_KEY,
  restEndpoint: process.env.SOGNI_REST_ENDPOINT,
  socketEndpoint: process.env.SOGNI_SOCKET_ENDPOINT,
  logLevel: 'error'
});
await sogni.projects.waitForModels();

const image = (extra) => ({
  type: 'image',
  modelId: 'coreml-cyberrealistic_v70_768',
  positivePrompt: 'a benchmark lighthouse',
  numberOfMedia: 1,
  numberOfPreviews: 0,
  steps: 1,
  seed: 42,
  sizePreset: 'custom',
  width: 256,
  height: 256,
  tokenType: 'spark',
  ...extra
});

const scenarios = {
  /**
   * Projects with many jobs × steps created together (the emulator caps a project at 64
   * jobs): CPU time spent until every one has completed.
   */
  async throughput() {
    const params = image({ numberOfMedia: opts.jobs, steps: opts.steps });
    let progressEvents = 0;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    const projects = await Promise.all(Array.from({ length: opts.projects }, () => sogni.projects.create(params)));
    for (const p of projects) p.on('progress', () => progressEvents++);
    const urls = (await Promise.all(projects.map((p) => p.waitForCompletion()))).flat();
    const wallMs = performance.now() - w0;
    const cpu = process.cpuUsage(cpu0);
    return { projectIds: projects.map((p) => p.id), urls: urls.filter(Boolean).length, progressEvents, wallMs, cpuUserUs: cpu.user, cpuSystemUs: cpu.system };
  },

  /** Sequential 1-job projects: when (epoch µs) each waitForCompletion resolved. */
  async latency() {
    const runs = [];
    for (let i = 0; i < opts.projects; i++) {
      const project = await sogni.projects.create(image({ seed: i }));
      const urls = await project.waitForCompletion();
      const resolvedAtUs = epochMs() * 1000;
      runs.push({ projectId: project.id, resolvedAtUs, urls: urls.filter(Boolean).length });
    }
    return { runs };
  },

  /** Many projects in flight at once on one client, then all completed. */
  async projects() {
    const base = mem();
    const t0 = performance.now();
    const projects = await Promise.all(Array.from({ length: opts.projects }, (_, i) => sogni.projects.create(image({ seed: i, steps: 2 }))));
    const createMs = performance.now() - t0;
    const inflightFinished = projects.filter((p) => ['completed', 'failed', 'canceled'].includes(p.status)).length;
    const inflight = mem();
    const results = await Promise.all(projects.map((p) => p.waitForCompletion().then((u) => u.filter(Boolean).length, () => 0)));
    const doneMs = performance.now() - t0;
    const after = mem();
    return { base, inflight, after, inflightFinished, createMs, doneMs, completedWithUrl: results.filter((n) => n > 0).length };
  },

  /** A 500 MB (500 × 10⁶ bytes) Blob as a reference: the upload must not go through wasm memory. */
  async blob() {
    const mb = 1_000_000;
    // A PNG signature up front so both SDKs take it for an image; the rest is zeros.
    const head = new Uint8Array(mb);
    head.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const zeros = new Uint8Array(mb);
    const blob = new Blob([head, ...Array.from({ length: opts.mb - 1 }, () => zeros)], { type: 'image/png' });
    const before = mem();
    let peakRss = 0;
    let peakWasm = wasmMemory() || 0;
    let peakArrayBuffers = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
      peakWasm = Math.max(peakWasm, wasmMemory() || 0);
    }, 5);
    const t0 = performance.now();
    const project = await sogni.projects.create(image({ modelId: 'flux1-schnell-fp8', steps: 4, startingImage: blob, startingImageStrength: 0.5 }));
    const uploadMs = performance.now() - t0;
    clearInterval(sampler);
    peakWasm = Math.max(peakWasm, wasmMemory() || 0);
    const after = mem();
    try {
      await project.cancel();
    } catch {
      /* it may already have failed: the emulator cannot decode 500 MB of zeros */
    }
    return { bytes: blob.size, uploadMs, before, after, peakRss, peakArrayBuffers, peakWasm };
  }
};

const run = scenarios[process.env.BENCH_SCENARIO];
if (!run) throw new Error(`unknown BENCH_SCENARIO ${process.env.BENCH_SCENARIO}`);
const result = await run();
sogni.dispose();
console.log(JSON.stringify(result));
process.exit(0);
