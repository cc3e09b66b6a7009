#!/usr/bin/env node
// Runs the packed SDK (pkg/, built by `cargo xtask pkg`) inside workerd against a Supernet
// emulator the caller started. Needs Node >= 20 and `npm ci` in this directory.
//
//   SOGNI_REST_ENDPOINT=http://127.0.0.1:P SOGNI_SOCKET_ENDPOINT=ws://127.0.0.1:P node run.mjs
//
// Optional env: SOGNI_API_KEY (default demo-api-key), SOGNI_PKG_DIR (default ../../pkg),
// SOGNI_WORKERD_TIMEOUT_MS (overall bound, default 60000), SOGNI_WORKERD_KEEP=1 (keep the
// generated build directory). Prints one line per check, then `N passed, N failed`.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const OVERALL_MS = Number(process.env.SOGNI_WORKERD_TIMEOUT_MS ?? 60_000);
const COMPATIBILITY_DATE = '2025-11-01';
const restEndpoint = process.env.SOGNI_REST_ENDPOINT;
const socketEndpoint = process.env.SOGNI_SOCKET_ENDPOINT;
const apiKey = process.env.SOGNI_API_KEY ?? 'demo-api-key';
const pkgDir = resolve(process.env.SOGNI_PKG_DIR ?? join(here, '..', '..', 'pkg'));

let passed = 0;
let failed = 0;
let child = null;
let childExited = null;
let childLog = '';
let buildDir = null;

let timedOut = false;

function check(name, ok, detail, info) {
  if (timedOut) return ok; // the overall timeout already reported; stay quiet
  if (ok) passed++;
  else failed++;
  const extra = ok ? (info !== undefined ? ` (${info})` : '') : detail !== undefined ? ` — ${detail}` : '';
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${extra}`);
  return ok;
}

function finish() {
  if (failed > 0 && childLog.trim()) {
    console.log('--- workerd output ---');
    console.log(childLog.trimEnd().split('\n').slice(-60).join('\n'));
    console.log('--- end of workerd output ---');
  }
  if (buildDir) {
    if (failed > 0 || process.env.SOGNI_WORKERD_KEEP) console.log(`(build directory kept: ${buildDir})`);
    else rmSync(buildDir, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

async function stopWorkerd() {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await childExited;
  clearTimeout(killer);
}

// Never leave workerd behind, whatever happens to this process.
process.on('exit', () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (child) child.kill('SIGKILL');
    process.exit(130);
  });
}

// The overall bound: report what we have and leave.
const overall = setTimeout(async () => {
  check(`finished within ${OVERALL_MS} ms`, false, 'overall timeout');
  timedOut = true;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await Promise.race([childExited, new Promise((r) => setTimeout(r, 1000))]);
  }
  finish();
  process.exit(1);
}, OVERALL_MS);
overall.unref();

/** Relative module specifiers a module imports statically (import/export … from, bare import). */
function staticImports(source) {
  const specs = new Set();
  const re = /(?:^|[;\s])(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?(['"])([^'"\n]+)\1/gm;
  for (const m of source.matchAll(re)) specs.add(m[2]);
  return [...specs];
}

/**
 * The module graph reachable from the package's workerd entry, as workerd module names
 * relative to the build directory (`pkg/…`). Every module is a file actually in pkg/.
 */
function moduleGraph(entry) {
  const modules = new Map(); // name -> type
  const queue = [entry];
  while (queue.length) {
    const name = queue.shift();
    if (modules.has(name)) continue;
    const file = join(buildDir, name);
    if (!existsSync(file)) throw new Error(`module ${name} is imported but ${file} does not exist`);
    if (name.endsWith('.wasm')) {
      modules.set(name, 'wasm');
      continue;
    }
    if (!/\.m?js$/.test(name)) throw new Error(`module ${name}: unexpected file type`);
    modules.set(name, 'esModule');
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) {
        throw new Error(`module ${name} imports ${JSON.stringify(spec)}, which a Worker bundle cannot provide`);
      }
      queue.push(posix.normalize(posix.join(posix.dirname(name), spec)));
    }
  }
  return modules;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function capnpString(s) {
  return JSON.stringify(s); // Cap'n Proto text literals take the same escapes for what we write.
}

function writeConfig(port, modules) {
  const moduleLines = [['worker.mjs', 'esModule'], ...modules].map(
    ([name, type]) => `    (name = ${capnpString(name)}, ${type} = embed ${capnpString(name)}),`
  );
  const config = `# Generated by tests/workerd/run.mjs; do not edit.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The emulator listens on 127.0.0.1: the default "internet" service only allows public addresses.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "http", address = ${capnpString(`127.0.0.1:${port}`)}, http = (), service = "main"),
  ],
);

const worker :Workerd.Worker = (
  modules = [
${moduleLines.join('\n')}
  ],
  compatibilityDate = ${capnpString(COMPATIBILITY_DATE)},
  bindings = [
    (name = "API_KEY", text = ${capnpString(apiKey)}),
  ],
  globalOutbound = "internet",
);
`;
  const path = join(buildDir, 'config.capnp');
  writeFileSync(path, config);
  return path;
}

async function getJson(url, ms) {
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: null, text };
  }
}

async function waitUntilUp(base, ms) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`workerd exited (${child.exitCode ?? child.signalCode}) before answering`);
    }
    try {
      const { status } = await getJson(`${base}/health`, 1000);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workerd did not answer within ${ms} ms (${last})`);
}

const short = (v) => {
  const s = JSON.stringify(v);
  return s && s.length > 600 ? `${s.slice(0, 600)}…` : s;
};

async function main() {
  if (!check('SOGNI_REST_ENDPOINT and SOGNI_SOCKET_ENDPOINT are set', !!restEndpoint && !!socketEndpoint, 'start the emulator and export both')) return;

  // The entry a Worker gets: pkg/package.json's `workerd` export condition.
  let entry;
  try {
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    entry = manifest.exports?.['.']?.workerd;
  } catch (err) {
    check(`read ${pkgDir}/package.json`, false, `${err.message} (run \`cargo xtask pkg\`)`);
    return;
  }
  if (!check('pkg/package.json routes the `workerd` condition to ./workerd.js', entry === './workerd.js', `got ${entry}`)) return;

  // Build directory: the worker next to a copy of pkg/, as a deployed bundle would lay it out.
  buildDir = mkdtempSync(join(tmpdir(), 'sogni-workerd-'));
  cpSync(join(here, 'worker.mjs'), join(buildDir, 'worker.mjs'));
  mkdirSync(join(buildDir, 'pkg'));
  cpSync(pkgDir, join(buildDir, 'pkg'), { recursive: true });

  let modules;
  try {
    modules = moduleGraph(posix.join('pkg', entry));
  } catch (err) {
    check('module graph of pkg/workerd.js', false, err.message);
    return;
  }
  const wasmCount = [...modules.values()].filter((t) => t === 'wasm').length;
  const glue = modules.get('pkg/sogni_wasm.js') === 'esModule';
  if (!check(`module graph: ${modules.size} modules, ${wasmCount} wasm, the glue sogni_wasm.js included`, wasmCount === 1 && glue, short([...modules]))) return;

  const port = await freePort();
  const configPath = writeConfig(port, modules);

  let workerdBin;
  try {
    workerdBin = require('workerd').default; // the platform binary's path
  } catch (err) {
    check('workerd is installed', false, `${err.message} (run \`npm ci\` in tests/workerd)`);
    return;
  }
  child = spawn(workerdBin, ['serve', configPath, '--verbose'], { cwd: buildDir, env: { ...process.env, PWD: buildDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  childExited = new Promise((r) => child.once('exit', r));
  child.stdout.on('data', (d) => (childLog += d));
  child.stderr.on('data', (d) => (childLog += d));
  child.once('error', (err) => (childLog += `spawn error: ${err.message}\n`));

  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(base, 15_000);
    check(`workerd serves on 127.0.0.1:${port}`, true);
  } catch (err) {
    check('workerd serves', false, err.message);
    return;
  }

  const query = `rest=${encodeURIComponent(restEndpoint)}&socket=${encodeURIComponent(socketEndpoint)}`;

  // 1. A full image project inside the Worker.
  let gen;
  try {
    gen = await getJson(`${base}/generate?${query}`, 30_000);
  } catch (err) {
    gen = { status: 0, body: null, text: err.message };
  }
  const g = gen.body;
  check('/generate answers 200 with ok: true', gen.status === 200 && g?.ok === true, `HTTP ${gen.status} ${short(g ?? gen.text)}`);
  check('/generate ran inside workerd', g?.userAgent === 'Cloudflare-Workers', `navigator.userAgent ${short(g?.userAgent)}`, g?.userAgent);
  check('/generate: exactly one result URL', Array.isArray(g?.urls) && g.urls.length === 1 && /^https?:\/\//.test(g.urls[0]), short(g?.urls), g?.urls?.[0]);
  check('/generate: the result is a 320×256 PNG (the size the worker asked for)', g?.width === 320 && g?.height === 256 && g?.bytes > 33, `width ${g?.width}, height ${g?.height}, bytes ${g?.bytes}`, `${g?.bytes} bytes`);

  // 2. Invalid params: the typed error crosses the Worker boundary intact.
  let bad;
  try {
    bad = await getJson(`${base}/bad?${query}`, 20_000);
  } catch (err) {
    bad = { status: 0, body: null, text: err.message };
  }
  const e = bad.body?.error;
  check('/bad answers 500 with ok: false', bad.status === 500 && bad.body?.ok === false, `HTTP ${bad.status} ${short(bad.body ?? bad.text)}`);
  check('/bad: the error is a ValidationError (instanceof SogniError) with a code', e?.name === 'ValidationError' && e?.isValidationError === true && e?.isSogniError === true && e?.code != null && e?.code !== '', short(e), `${e?.name} ${e?.code}`);
  check('/bad: the message mentions steps', /steps/i.test(e?.message ?? ''), e?.message, JSON.stringify(e?.message));

  // 3. Nothing the SDK did left workerd unhappy.
  const uncaught = childLog.split('\n').filter((l) => /uncaught|internal error|exception/i.test(l) && !/ValidationError/.test(l));
  check('workerd logged no uncaught exception', uncaught.length === 0, short(uncaught.slice(0, 5)));
}

try {
  await main();
} catch (err) {
  check('run.mjs', false, err.stack ?? String(err));
}
await stopWorkerd().catch(() => {});
clearTimeout(overall);
finish();
