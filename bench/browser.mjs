// Browser cold start in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core
// from tests/js; no browser is ever downloaded): navigation start → module imported →
// createInstance → account.login(username, password) → models received, each run in a fresh
// browser context (empty HTTP cache and cookie jar). Both SDKs sign in with username/password
// and `authType: 'cookies'` — a browser cannot put an API key (or the official SDK's
// `.sogni.ai`-scoped token cookie) on a socket to 127.0.0.1. The official SDK is served as the
// esbuild bundle an app would ship; ours as pkg/ is (browser.js + glue + .wasm).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname, normalize } from 'node:path';
import { ROOT, PKG, USER, median } from './lib.mjs';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

const PAGE = (module) => `<!doctype html><meta charset="utf-8"><title>bench</title>
<script type="module">
const cfg = JSON.parse(decodeURIComponent(location.hash.slice(1)));
try {
  const t0 = performance.now();
  const { SogniClient } = await import(${JSON.stringify(module)});
  const t1 = performance.now();
  const sogni = await SogniClient.createInstance({ appId: 'bench-browser-' + Math.random().toString(36).slice(2), network: 'fast',
    restEndpoint: cfg.rest, socketEndpoint: cfg.socket, authType: 'cookies', logLevel: 'error' });
  const t2 = performance.now();
  await sogni.account.login(cfg.username, cfg.password);
  const t3 = performance.now();
  const models = await sogni.projects.waitForModels();
  const t4 = performance.now();
  window.__bench = { scriptStartMs: t0, importMs: t1 - t0, createInstanceMs: t2 - t1, loginMs: t3 - t2, modelsMs: t4 - t3,
    navigationToAuthenticatedMs: t4, models: models.length };
  window.__sogni = sogni;
} catch (e) {
  window.__bench = { error: String(e && e.stack || e) };
}
</script>`;

/** Runs `runs` cold starts per SDK (alternating); returns per-SDK runs and medians. */
export async function browserColdStart({ emu, officialBundle, runs = 10, chromium: chromiumPath = '/usr/bin/chromium' }) {
  if (!existsSync(chromiumPath)) return { skipped: `no Chromium at ${chromiumPath} (cargo xtask setup installs Debian's)` };
  const { chromium } = createRequire(join(ROOT, 'tests/js/package.json'))('playwright-core');
  const bundle = await readFile(officialBundle);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/ours.html') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE('/pkg/browser.js'));
    if (path === '/theirs.html') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE('/official/sogni-client.js'));
    if (path === '/official/sogni-client.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    const file = normalize(join(PKG, path.replace(/^\/pkg\//, '')));
    if (!path.startsWith('/pkg/') || !file.startsWith(PKG) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' }).end(await readFile(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
  const version = browser.version();
  const hash = encodeURIComponent(JSON.stringify({ rest: emu.rest, socket: emu.socket, username: USER.username, password: USER.password }));
  const out = { ours: [], theirs: [] };
  try {
    // One warm-up per SDK (browser process, first-use code paths), not reported.
    for (let i = -1; i < runs; i++) {
      for (const sdk of ['ours', 'theirs']) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`${origin}/${sdk}.html#${hash}`);
        await page.waitForFunction(() => window.__bench, null, { timeout: 30_000 });
        const r = await page.evaluate(() => window.__bench);
        if (r.error) throw new Error(`browser ${sdk}: ${r.error}`);
        // JS heap of the page after a full GC (wasm memory is not part of it).
        const cdp = await context.newCDPSession(page);
        await cdp.send('HeapProfiler.collectGarbage');
        r.heapUsed = (await cdp.send('Runtime.getHeapUsage')).usedSize;
        if (sdk === 'ours') {
          r.wasmMemory = await page.evaluate(async () => (await import('/pkg/sogni_wasm.js')).initSync().memory.buffer.byteLength);
        }
        await page.evaluate(() => window.__sogni.dispose());
        await context.close();
        if (errors.length) throw new Error(`browser ${sdk}: uncaught ${errors.join('; ')}`);
        if (i >= 0) out[sdk].push(r);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  const summary = { chromium: version };
  for (const sdk of ['ours', 'theirs']) {
    const rs = out[sdk];
    summary[sdk] = { runs: rs };
    for (const k of ['scriptStartMs', 'importMs', 'createInstanceMs', 'loginMs', 'modelsMs', 'navigationToAuthenticatedMs', 'heapUsed', 'wasmMemory']) {
      const xs = rs.map((r) => r[k]).filter((x) => typeof x === 'number');
      if (xs.length) summary[sdk][k] = median(xs);
    }
  }
  return summary;
}
