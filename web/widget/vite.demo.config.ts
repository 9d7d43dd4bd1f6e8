// Serves demo.html (a fake business site) and the built widget (dist/livechat-widget.js) as plain
// files — Vite's preview server, nothing injected into the page — with /ingest proxied to the ingest
// service (HTTP and the WebSocket) exactly like the compose proxy's prefix route, so the widget's
// default API base (its script's origin + "/ingest") works with no CORS.
//   npm run build -w widget && npm run demo -w widget
//   open http://127.0.0.1:5174/demo.html?app_id=APP_ID
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Plugin, defineConfig } from "vite";

const ingest = process.env.LIVECHAT_INGEST_URL ?? "http://127.0.0.1:8081";

/** demo.html lives beside the package, not in dist/: serve it at / and /demo.html. */
function demoPage(): Plugin {
  return {
    name: "livechat-widget-demo-page",
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? "/").split("?")[0];
        if (path !== "/" && path !== "/demo.html") return next();
        res.setHeader("content-type", "text/html; charset=utf-8");
        res.setHeader("cache-control", "no-store");
        res.end(readFileSync(resolve(import.meta.dirname, "demo.html")));
      });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [demoPage()],
  preview: {
    host: "127.0.0.1",
    port: Number(process.env.WIDGET_DEMO_PORT ?? 5174),
    strictPort: true,
    proxy: {
      "/ingest": {
        target: ingest,
        changeOrigin: true,
        ws: true,
        rewrite: (path) => path.replace(/^\/ingest/, ""),
      },
    },
  },
});
