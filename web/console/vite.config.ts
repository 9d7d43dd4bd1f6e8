/// <reference types="vitest/config" />
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// The services behind one origin, as the compose nginx proxy serves them (deploy/nginx/nginx.conf):
// `/<service>/...` goes to the service with the prefix stripped. `npm run dev` does the same.
// Each target is LIVECHAT_<SERVICE>_URL when set (as `livechat run` and the browser tests set them),
// else LIVECHAT_DEV_HOST (default 127.0.0.1) at the service's default port.
const SERVICES = { ingest: 8081, inbox: 8082, assignment: 8083, export: 8084, aiagent: 8085 } as const;
const host = process.env.LIVECHAT_DEV_HOST ?? "127.0.0.1";

const proxy = Object.fromEntries(
  Object.entries(SERVICES).map(([name, port]) => [
    `/${name}/`,
    {
      target: process.env[`LIVECHAT_${name.toUpperCase()}_URL`] ?? `http://${host}:${port}`,
      changeOrigin: true,
      ws: true,
      rewrite: (path: string) => path.slice(name.length + 1),
    },
  ]),
);

// `vite preview` (what `livechat run` serves) also serves the Webchat widget's build and its demo
// site, so one origin has everything: /widget/livechat-widget.js, and /demo/?app_id=APP (the
// widget's demo.html, which loads /livechat-widget.js and talks to /ingest/ on its own origin).
const WIDGET = resolve(import.meta.dirname, "..", "widget");
const FILES: Record<string, [string, string]> = {
  "/widget/livechat-widget.js": [resolve(WIDGET, "dist", "livechat-widget.js"), "text/javascript; charset=utf-8"],
  "/livechat-widget.js": [resolve(WIDGET, "dist", "livechat-widget.js"), "text/javascript; charset=utf-8"],
  "/demo/": [resolve(WIDGET, "demo.html"), "text/html; charset=utf-8"],
};

function widgetAndDemo(): Plugin {
  return {
    name: "livechat-widget-and-demo",
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const [path, query] = (req.url ?? "/").split("?", 2);
        if (path === "/demo") {
          res.writeHead(301, { location: `/demo/${query ? `?${query}` : ""}` }).end();
          return;
        }
        const file = FILES[path ?? ""];
        if (!file) return next();
        try {
          const body = readFileSync(file[0]);
          res.writeHead(200, { "content-type": file[1], "cache-control": "no-cache" }).end(body);
        } catch {
          res.writeHead(404, { "content-type": "text/plain" }).end("not built: run `npm run build` in web/\n");
        }
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), widgetAndDemo()],
  // Relative asset URLs: the built console works from any path it is served under.
  base: "./",
  server: { host: "127.0.0.1", port: 5173, strictPort: false, proxy },
  preview: { host: "127.0.0.1", port: 4173, proxy },
  build: { outDir: "dist", sourcemap: true, target: "es2022" },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
