// Runs every scenario in its own process and prints "N passed, N failed".
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(join(here, 'scenarios'))
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const TIMEOUT_MS = 90_000;
if (files.length === 0 && only.length > 0) {
  console.log(`conformance: no scenario matches ${only.join(' ')}`);
  process.exit(0);
}

function runOne(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(here, 'scenarios', file)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\nFAIL ${file} — timed out after ${TIMEOUT_MS} ms`;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ file, ok: code === 0, out: out.trim(), ms: Date.now() - started });
    });
  });
}

let passed = 0;
let failed = 0;
console.log(`conformance: SDK ${process.env.SDK_MODULE || '@sogni-ai/sogni-client'} on Node ${process.version}`);
for (const file of files) {
  const r = await runOne(file);
  if (r.ok) passed++;
  else failed++;
  const verdict = r.out.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${file} (${r.ms} ms)`);
  for (const line of r.ok ? verdict : r.out.split('\n')) console.log(`     ${line}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
