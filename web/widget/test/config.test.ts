import { describe, expect, it } from "vitest";
import { defaultApiBase, readOptions, safeColor, socketUrl } from "../src/config";

const attrs = (values: Record<string, string>) => (name: string) => values[name] ?? null;

describe("options from the script tag", () => {
  it("needs an app id", () => {
    expect(readOptions(attrs({}), { pageHref: "https://shop.example/" })).toBeNull();
    expect(readOptions(attrs({ "app-id": "  " }), { pageHref: "https://shop.example/" })).toBeNull();
  });

  it("defaults the API base to the script's origin under /ingest", () => {
    const options = readOptions(attrs({ "app-id": "app1" }), {
      scriptSrc: "https://chat.example/ingest/static/livechat-widget.js",
      pageHref: "https://shop.example/products",
      browserLanguage: "de-AT",
    });
    expect(options).toMatchObject({ appId: "app1", apiBase: "https://chat.example/ingest", language: "de-AT" });
    expect(options?.position).toBe("right");
  });

  it("takes a given API base as a prefix, absolute or relative to the page", () => {
    const direct = readOptions(attrs({ "app-id": "a", "api-base": "http://127.0.0.1:8081/" }), { pageHref: "http://localhost:5173/" });
    expect(direct?.apiBase).toBe("http://127.0.0.1:8081");
    const relative = readOptions(attrs({ "app-id": "a", "api-base": "/chat-api" }), { pageHref: "https://shop.example/x/y" });
    expect(relative?.apiBase).toBe("https://shop.example/chat-api");
  });

  it("reads the look and the person's details", () => {
    const options = readOptions(
      attrs({ "app-id": "a", title: "Acme help", color: "#ff0000", position: "left", open: "true", name: "Jo", language: "fr" }),
      { pageHref: "https://shop.example/", browserLanguage: "en" },
    );
    expect(options).toMatchObject({ title: "Acme help", color: "#ff0000", position: "left", open: true, name: "Jo", language: "fr" });
  });

  it("takes an identity only when both parts are well formed", () => {
    const hash = "0f".repeat(32);
    const ok = readOptions(attrs({ "app-id": "a", "visitor-id": "user_1234", "visitor-hash": hash }), { pageHref: "https://s.example/" });
    expect(ok).toMatchObject({ visitorId: "user_1234", visitorHash: hash });
    const bad = readOptions(attrs({ "app-id": "a", "visitor-id": "u:1", "visitor-hash": hash }), { pageHref: "https://s.example/" });
    expect(bad).not.toHaveProperty("visitorId");
    const half = readOptions(attrs({ "app-id": "a", "visitor-id": "user_1234" }), { pageHref: "https://s.example/" });
    expect(half).not.toHaveProperty("visitorId");
  });

  it("falls back to the page's origin when the script has no src", () => {
    expect(defaultApiBase(null, "https://shop.example/a")).toBe("https://shop.example/ingest");
  });
});

describe("the socket address", () => {
  it("swaps http(s) for ws(s) and carries the token and cursor", () => {
    expect(socketUrl("https://chat.example/ingest", "app 1", "t/k+n", 42)).toBe(
      "wss://chat.example/ingest/v1/webchat/app%201/ws?token=t%2Fk%2Bn&after=42",
    );
    expect(socketUrl("http://127.0.0.1:8081/", "a", "t", 0)).toBe("ws://127.0.0.1:8081/v1/webchat/a/ws?token=t&after=0");
  });
});

describe("colours", () => {
  it("lets only plain colours into the stylesheet", () => {
    expect(safeColor("#1f5fbf")).toBe("#1f5fbf");
    expect(safeColor("rebeccapurple")).toBe("rebeccapurple");
    expect(safeColor("rgb(10, 20, 30)")).toBe("rgb(10, 20, 30)");
    expect(safeColor("red; background: url(x)")).toBeNull();
    expect(safeColor("}body{display:none")).toBeNull();
  });
});
