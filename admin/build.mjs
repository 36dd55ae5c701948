// Builds the manager panel into admin/dist (index.html, app.js, app.css), served by
// the server at /admin/. `node admin/build.mjs --preview DIR` instead builds the
// canned-data preview (src/dev/) into DIR: it never goes into dist.

import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const previewAt = process.argv.indexOf('--preview');
const preview = previewAt !== -1;
const outdir = preview ? resolve(process.argv[previewAt + 1] || join(here, '..', 'test-artifacts', 'admin-preview')) : join(here, 'dist');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [join(here, 'src', preview ? 'dev/preview.js' : 'main.js')],
  outfile: join(outdir, 'app.js'),
  bundle: true,
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: !preview,
  sourcemap: preview ? 'inline' : false,
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(here, 'src', 'index.html'), join(outdir, 'index.html'));
await copyFile(join(here, 'src', 'app.css'), join(outdir, 'app.css'));
console.log(`admin panel built into ${outdir}`);
