// Shared helpers of the benchmark: paths, the two SDKs, emulator processes, child runs, stats.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

export const BENCH = dirname(fileURLToPath(import.meta.url));
export const ROOT = dirname(BENCH);
export const PKG = process.env.BENCH_PKG || join(ROOT, 'pkg');
export const OFFICIAL_DIR = join(ROOT, 'tests/conformance/node_modules/@sogni-ai/sogni-client');
export const NODE = process.execPath;

/** The two SDKs: `ours` is pkg/ (the Node entry), `theirs` the official package's ESM build. */
export const SDKS = {
  ours: { label: 'sogni-wasm (pkg/)', url: pathToFileURL(join(PKG, 'node.js')).href },
  theirs: { label: '@sogni-ai/sogni-client 5.54', url: pathToFileURL(join(OFFICIAL_DIR, 'dist-esm/index.js')).href }
};

/** The account every scenario uses (enough balance for thousands of jobs). */
export const USER = { username: 'bench', password: 'bench-password', apiKey: 'bench-api-key' };

/** An emulator configuration with the bench account and the given timing. */
export function emulatorConfig(timing = {}, extra = {}) {
  return {
    users: [{ username: USER.username, password: USER.password, apiKeys: [USER.apiKey], spark: 1e9, sogni: 1e9 }],
    timing: { queueMs: 60, initMs: 40, stepMs: 40, maxJobMs: 900, completeMs: 100, ...timing },
    ...extra
  };
}

/**
 * Starts `sogni-emulator` (path in BENCH_EMULATOR) on a free loopback port with `config`.
 * With `stamps`, the emulator writes one JSON line per frame about a project (send time in µs
 * since the epoch; SOGNI_EMULATOR_STAMPS) for `readStamps`.
 */
export async function startEmulator(config, { stamps = false } = {}) {
  const bin = process.env.BENCH_EMULATOR || join(ROOT, 'target/release/sogni-emulator');
  if (!existsSync(bin)) throw new Error(`no emulator binary at ${bin} (run through cargo xtask bench)`);
  const dir = mkdtempSync(join(tmpdir(), 'sogni-bench-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const stampsFile = stamps ? join(dir, 'stamps.jsonl') : null;
  // TCP_NODELAY on the emulator's sockets, as a production WebSocket server sets it: without
  // it Nagle + delayed ACK hold back-to-back frames (~40 ms), which would swamp the latencies.
  const env = { ...process.env, SOGNI_EMULATOR_NODELAY: '1' };
  if (stampsFile) env.SOGNI_EMULATOR_STAMPS = stampsFile;
  else delete env.SOGNI_EMULATOR_STAMPS;
  const child = spawn(bin, ['--port', '0', '--exit-with-stdin', '--quiet', '--config', configFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before printing its URLs`)));
    lines.once('line', resolve);
  });
  const info = JSON.parse(first.replace(/^SOGNI_EMULATOR /, ''));
  lines.on('line', () => {});
  return {
    rest: info.rest,
    socket: info.socket,
    stampsFile,
    /** Stamps of the frames about project `jobId`, in send order. */
    readStamps(jobId) {
      if (!stampsFile || !existsSync(stampsFile)) return [];
      const id = String(jobId).toLowerCase();
      return readFileSync(stampsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((s) => String(s.jobID).toLowerCase() === id);
    },
    async stop() {
      child.stdin.end();
      child.kill();
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    }
  };
}

/**
 * Runs `node --expose-gc SCRIPT` with `env` in a fresh process; returns the JSON it prints on
 * its last stdout line. `timeoutMs` kills it.
 */
export function runChild(script, env, { timeoutMs = 120_000, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--expose-gc', ...args, join(BENCH, script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) || '';
      if (code === 0 && last.startsWith('{')) {
        resolve(JSON.parse(last));
      } else {
        reject(new Error(`${script} ${env.BENCH_SDK || ''} exited with ${signal || code}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''}\n${err.slice(-3000)}${out.slice(-1000)}`));
      }
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

/** raw / gzip -9 / brotli q11 of one buffer. */
export function compressedSizes(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length
  };
}

const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

/**
 * Sizes of a built package directory as the Node entry loads it: the .wasm; the JS glue (the
 * wasm-bindgen module with its snippets bundled in, the entry node.js and the tools module
 * sogni-tools-node.js); and the generated hosted-tools manifest sogni-tools.json. Files a
 * build lacks (`cargo xtask size`'s variant has no entries or tools) count as empty. Each
 * file is compressed on its own, as a server sends it.
 */
export function pkgSizes(dir) {
  const sum = (files) => files.filter((f) => existsSync(join(dir, f))).map((f) => compressedSizes(readFileSync(join(dir, f)))).reduce(add, { raw: 0, gzip: 0, brotli: 0 });
  const wasm = compressedSizes(readFileSync(join(dir, 'sogni_wasm_bg.wasm')));
  const glue = sum(['sogni_wasm.js', 'node.js', 'sogni-tools-node.js']);
  const tools = sum(['sogni-tools.json']);
  return { wasm, glue, tools, withoutTools: add(wasm, glue), total: add(add(wasm, glue), tools) };
}

/** Milliseconds since the Unix epoch with µs resolution (Node's high-resolution clock). */
export const epochMs = () => performance.timeOrigin + performance.now();
