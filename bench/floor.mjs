// The transport floor of the throughput scenario (section 4), in a fresh Node process: what
// any client pays for the same frames with no SDK logic — the WebSocket, base64 +
// JSON.parse of every frame, one download-URL request per result — so the ratios of both
// SDKs can be read against it. Env as child.mjs (BENCH_OPTS: {projects, jobs, steps}).
const opts = JSON.parse(process.env.BENCH_OPTS || '{}');
const apiKey = process.env.BENCH_API_KEY;
const rest = process.env.SOGNI_REST_ENDPOINT.replace(/\/$/, '');
const appId = `bench-floor-${process.pid}`;
const query = new URLSearchParams({ appId, clientName: 'bench-floor', clientType: 'artist', forceWorkerId: 'fast' });
// BENCH_FLOOR_WS: the `ws` package's entry (what the official SDK uses in Node) instead.
const Socket = process.env.BENCH_FLOOR_WS ? (await import(process.env.BENCH_FLOOR_WS)).default : WebSocket;
const ws = new Socket(`${process.env.SOGNI_SOCKET_ENDPOINT.replace(/\/$/, '')}/?${query}`, { headers: { 'api-key': apiKey } });
ws.binaryType = 'arraybuffer';
const decoder = new TextDecoder();
const send = (type, data) => ws.send(JSON.stringify({ type, data: Buffer.from(JSON.stringify(data)).toString('base64') }));

// The image jobRequest both SDKs send for the scenario's params (as the emulator logged it).
const keyFrame = (steps) => ({
  frameIndex: 0, isEnabled: true, modelID: 'coreml-cyberrealistic_v70_768', positivePrompt: 'a benchmark lighthouse',
  negativePrompt: '', stylePrompt: '', seed: 42, steps, width: 256, height: 256, sizePreset: 'custom',
  processing: 'CPU, GPU', scheduler: null, timeStepSpacing: null, startingImage: null, strength: 0.5, currentControlNets: null
});
const jobRequest = (jobID) => ({
  jobID, keyFrames: [keyFrame(opts.steps)], numberOfImages: opts.jobs, previews: 0, outputFormat: 'png',
  tokenType: 'spark', disableSafety: false, selectedUpscalingModel: 'OFF', animationIsOn: false, canvasIsOn: false
});

let authenticated;
const ready = new Promise((resolve) => (authenticated = resolve));
let frames = 0;
let pendingProjects = opts.projects;
const fetches = [];
let done;
const finished = new Promise((resolve) => (done = resolve));
const ids = new Set();
ws.onmessage = (event) => {
  const outer = JSON.parse(typeof event.data === 'string' ? event.data : decoder.decode(event.data));
  const data = JSON.parse(Buffer.from(outer.data, 'base64').toString('utf8'));
  if (outer.type === 'authenticated') return authenticated();
  if (!ids.has(data.jobID)) return;
  frames++;
  if (outer.type === 'jobResult') {
    const q = new URLSearchParams({ jobId: data.jobID, imageId: data.imgID, type: 'complete' });
    fetches.push(fetch(`${rest}/v1/image/downloadUrl?${q}`, { headers: { 'api-key': apiKey } }).then((r) => r.json()));
  }
  if (outer.type === 'jobState' && data.type === 'jobCompleted' && --pendingProjects === 0) done();
};
await ready;
const cpu0 = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < opts.projects; i++) {
  const id = crypto.randomUUID().toUpperCase();
  ids.add(id);
  send('jobRequest', jobRequest(id));
}
await finished;
const urls = (await Promise.all(fetches)).filter((r) => r && (r.data?.downloadUrl || r.downloadUrl)).length;
const wallMs = performance.now() - w0;
const cpu = process.cpuUsage(cpu0);
ws.close();
console.log(JSON.stringify({ frames, urls, wallMs, cpuUserUs: cpu.user, cpuSystemUs: cpu.system }));
process.exit(0);
