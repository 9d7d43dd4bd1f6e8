// Builds the widget as ONE self-contained script, dist/livechat-widget.js (an IIFE: no module loader,
// no globals but the `window.LivechatWidget` the code defines itself; the stylesheet is inlined into
// the shadow root). The build prints the file's size raw and gzipped, and fails past the budget.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

const OUT = resolve(import.meta.dirname, "dist", "livechat-widget.js");
/** The most the gzipped widget may weigh (bytes): a widget loads on every page of a business's site. */
const GZIP_BUDGET = 12 * 1024;

function reportSize(): Plugin {
  return {
    name: "livechat-widget-size",
    apply: "build",
    closeBundle() {
      const code = readFileSync(OUT);
      const gzip = gzipSync(code, { level: 9 }).length;
      const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
      console.log(`\nlivechat-widget.js: ${code.length} bytes (${kb(code.length)}) raw, ${gzip} bytes (${kb(gzip)}) gzip`);
      if (gzip > GZIP_BUDGET) throw new Error(`livechat-widget.js is ${gzip} bytes gzipped, over the ${GZIP_BUDGET}-byte budget`);
    },
  };
}

export default defineConfig({
  plugins: [reportSize()],
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: resolve(import.meta.dirname, "src", "main.ts"),
      name: "LivechatWidget",
      formats: ["iife"],
      fileName: () => "livechat-widget.js",
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
