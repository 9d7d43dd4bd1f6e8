// Generates TypeScript types from the services' OpenAPI documents (web/api/<service>.json, written
// by `python -m livechat_dev.openapi_dump`) into src/api/generated/<service>.ts. Run by `npm run gen`
// before typecheck, build and test, so a renamed field in a service breaks `tsc`.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const apiDir = join(here, "..", "..", "api");
const outDir = join(here, "..", "src", "api", "generated");
const services = ["ingest", "inbox", "assignment", "export", "aiagent"];

/**
 * Inline the JSON-Schema `$defs` that some operations embed (a pydantic `model_json_schema()` passed
 * as `openapi_extra`): their `#/$defs/Name` references are relative to the embedded schema, which
 * OpenAPI tooling resolves against the document root and fails on. Reported as an API gap.
 */
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

await mkdir(outDir, { recursive: true });
for (const service of services) {
  const document = inlineLocalDefs(JSON.parse(await readFile(join(apiDir, `${service}.json`), "utf8")));
  const ast = await openapiTS(document, { alphabetize: true });
  const header = `// Generated from web/api/${service}.json by scripts/gen-api.mjs: do not edit.\n\n`;
  await writeFile(join(outDir, `${service}.ts`), header + astToString(ast));
}
console.log(`generated ${services.length} API type files in ${outDir}`);
