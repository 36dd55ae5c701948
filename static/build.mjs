// Builds static/dist/widget.js: one minified IIFE with socket.io-client and the
// CSS (as a string, inlined into the widget's shadow root). Prints the size
// and fails when the gzipped bundle is over the budget.
//
//   node static/build.mjs            one build
//   node static/build.mjs --watch    rebuild on change (development)

import { build, context, transform } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const BUDGET_GZIP_BYTES = 60 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'widget.js');

// CSS files are imported as strings (they go into the shadow root's <style>);
// minify them on the way in.
const cssAsMinifiedText = {
  name: 'css-text',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await transform(readFileSync(args.path, 'utf8'), { loader: 'css', minify: true, target: ['chrome100', 'safari15', 'firefox100'] });
      return { contents: code, loader: 'text' };
    });
  },
};

const options = {
  entryPoints: [join(here, 'src', 'index.js')],
  outfile,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  plugins: [cssAsMinifiedText],
  legalComments: 'none',
  // Reproducible: no timestamps or absolute paths in the output.
  sourcemap: false,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

function report() {
  const code = readFileSync(outfile);
  const gz = gzipSync(code, { level: 9 }).length;
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  console.log(`static/dist/widget.js: ${kb(code.length)} minified, ${kb(gz)} gzipped (budget ${kb(BUDGET_GZIP_BYTES)})`);
  return gz <= BUDGET_GZIP_BYTES;
}

if (process.argv.includes('--watch')) {
  const ctx = await context({ ...options, plugins: [...options.plugins, { name: 'size', setup: (b) => b.onEnd(() => report()) }] });
  await ctx.watch();
} else {
  await build(options);
  if (!report()) {
    console.error('widget.js is over its gzipped size budget');
    process.exit(1);
  }
}
