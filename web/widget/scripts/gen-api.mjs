// Generates the TypeScript types of the ingest service's OpenAPI document (web/api/ingest.json) into
// src/generated/ingest.ts. Run by `npm run gen` before typecheck, test and build, so a renamed field
// of the Webchat API breaks `tsc` instead of the widget in a visitor's browser. Types only: nothing of
// it reaches the bundle.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "..", "..", "api", "ingest.json");
const target = join(here, "..", "src", "generated", "ingest.ts");

/** Inline the JSON-Schema `$defs` some operations embed (their `#/$defs/X` references are relative
 * to the embedded schema, which OpenAPI tooling resolves against the document root and fails on). */
function inlineLocalDefs(node, defs = {}) {
  if (Array.isArray(node)) return node.map((item) => inlineLocalDefs(item, defs));
  if (node === null || typeof node !== "object") return node;
  const scope = node.$defs ? { ...defs, ...node.$defs } : defs;
  const ref = typeof node.$ref === "string" ? /^#\/\$defs\/(.+)$/.exec(node.$ref) : null;
  if (ref && scope[ref[1]]) return inlineLocalDefs(scope[ref[1]], scope);
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== "$defs") out[key] = inlineLocalDefs(value, scope);
  }
  return out;
}

const document = inlineLocalDefs(JSON.parse(await readFile(source, "utf8")));
const ast = await openapiTS(document, { alphabetize: true });
await mkdir(dirname(target), { recursive: true });
await writeFile(target, `// Generated from web/api/ingest.json by scripts/gen-api.mjs: do not edit.\n\n${astToString(ast)}`);
console.log(`generated ${target}`);
