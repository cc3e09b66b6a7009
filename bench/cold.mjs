// Node cold start, one fresh process: import the SDK → createInstance (API key) → models
// received; then heap after a full GC. Nothing else is loaded before the import.
// Env: BENCH_SDK_URL, BENCH_SDK (ours|theirs), SOGNI_REST_ENDPOINT, SOGNI_SOCKET_ENDPOINT,
// BENCH_API_KEY, BENCH_MODE (full | import: stop after the import and measure the heap |
// empty: no import at all, the baseline heap of an empty Node process).
const t0 = performance.now();
const mod = process.env.BENCH_MODE === 'empty' ? null : await import(process.env.BENCH_SDK_URL);
const t1 = performance.now();

async function wasmMemory() {
  if (process.env.BENCH_SDK !== 'ours' || !mod) return null;
  // The glue's initSync returns the already-initialised exports, `memory` among them.
  const glue = await import(new URL('./sogni_wasm.js', process.env.BENCH_SDK_URL).href);
  return glue.initSync().memory.buffer.byteLength;
}

function heap() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

if (process.env.BENCH_MODE === 'import' || process.env.BENCH_MODE === 'empty') {
  const mem = heap();
  // Node 22 loads undici lazily on the first read of the WebSocket global: its time and heap.
  const w0 = performance.now();
  void globalThis.WebSocket;
  const webSocketGlobalMs = performance.now() - w0;
  const webSocketGlobalHeap = heap().heapUsed - mem.heapUsed;
  // The transport floor of memory (empty mode): what Node's own fetch and WebSocket hold after
  // one REST request and a socket that received its first frame — any SDK on them pays this.
  let transportHeap = null;
  if (process.env.BENCH_MODE === 'empty') {
    await (await fetch(`${process.env.SOGNI_REST_ENDPOINT}/api/v1/models/list`)).arrayBuffer();
    const url = `${process.env.SOGNI_SOCKET_ENDPOINT}/?appId=bench-floor-${process.pid}&clientName=bench&clientType=artist&network=fast`;
    const ws = new WebSocket(url, { headers: { 'api-key': process.env.BENCH_API_KEY } });
    const got = await new Promise((resolve) => {
      ws.onmessage = () => resolve(true);
      ws.onerror = () => resolve(false);
    });
    if (got) transportHeap = heap().heapUsed - mem.heapUsed;
    ws.close();
  }
  // Parts of ours' import, each alone: compiling pkg/'s module (synchronously, as node.js
  // does) and importing the generated tools manifest.
  let wasmCompileMs = null;
  let toolsImportMs = null;
  if (process.env.BENCH_MODE === 'empty') {
    const { readFileSync, existsSync } = await import('node:fs');
    const bytes = readFileSync(new URL('./sogni_wasm_bg.wasm', process.env.BENCH_SDK_URL));
    const c0 = performance.now();
    new WebAssembly.Module(bytes);
    wasmCompileMs = performance.now() - c0;
    // What node.js imports: sogni-tools-node.js (it reads the JSON on first use).
    const tools = new URL('./sogni-tools-node.js', process.env.BENCH_SDK_URL);
    if (existsSync(tools)) {
      const i0 = performance.now();
      await import(tools.href);
      toolsImportMs = performance.now() - i0;
    }
  }
  console.log(JSON.stringify({ importMs: t1 - t0, mem, wasmMemory: await wasmMemory(), webSocketGlobalMs, webSocketGlobalHeap, transportHeap, wasmCompileMs, toolsImportMs }));
  process.exit(0);
}

const sogni = await mod.SogniClient.createInstance({
  appId: `bench-cold-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  network: 'fast',
  apiKey: process.env.BENCH_API_KEY,
  restEndpoint: process.env.SOGNI_REST_ENDPOINT,
  socketEndpoint: process.env.SOGNI_SOCKET_ENDPOINT,
  logLevel: 'error'
});
const t2 = performance.now();
const models = await sogni.projects.waitForModels();
const t3 = performance.now();
const mem = heap();
const result = {
  // performance.now() counts from the process's start: t0 is Node's own bootstrap.
  bootMs: t0,
  importMs: t1 - t0,
  createInstanceMs: t2 - t1,
  modelsMs: t3 - t2,
  importToAuthenticatedMs: t3 - t0,
  processStartToAuthenticatedMs: t3,
  models: models.length,
  mem,
  wasmMemory: await wasmMemory()
};
sogni.dispose();
console.log(JSON.stringify(result));
process.exit(0);
