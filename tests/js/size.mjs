// Sizes of the built package: raw, gzip -9 and brotli (quality 11) of the .wasm, the JS glue
// (the wasm-bindgen module with its snippets bundled in, and the Node entry) and their total.
// Usage: node size.mjs PKG_DIR [--json] [--wasm-only]
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node size.mjs PKG_DIR [--json]');
const groups = process.argv.includes('--wasm-only')
  ? { wasm: ['sogni_wasm_bg.wasm'] }
  : {
      wasm: ['sogni_wasm_bg.wasm'],
      // A build without entries (`cargo xtask size`'s variant) has no node.js.
      'js glue': ['sogni_wasm.js', 'node.js'].filter((f) => existsSync(join(dir, f)))
    };
const measure = (buf) => ({
  raw: buf.length,
  gzip: gzipSync(buf, { level: 9 }).length,
  brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length
});
const rows = {};
const all = [];
for (const [name, files] of Object.entries(groups)) {
  const bufs = files.map((f) => readFileSync(join(dir, f)));
  all.push(...bufs);
  // Compressed separately per file, as a server would send them.
  rows[name] = bufs.map(measure).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }));
}
rows.total = Object.values(rows).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }));
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows));
} else {
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  console.log('| part | raw | gzip | brotli |\n|---|---|---|---|');
  for (const [name, r] of Object.entries(rows)) console.log(`| ${name} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} |`);
}
