// Generates TypeScript types from the services' OpenAPI documents (web/api/<service>.json, written
// by `python -m livechat_dev.openapi_dump`, whose references all resolve: a test of the services
// checks it) into <out dir>/<service>.ts. Run by each package's `npm run gen` before typecheck, build
// and test, so a renamed field in a service breaks `tsc`, not a user's browser. Types only.
//
//   node ../scripts/gen-api.mjs <out dir, relative to the package> <service> [<service> ...]
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const apiDir = join(dirname(fileURLToPath(import.meta.url)), "..", "api");
const [outArg, ...services] = process.argv.slice(2);
if (!outArg || services.length === 0) {
  console.error("usage: node gen-api.mjs <out dir> <service> [<service> ...]");
  process.exit(2);
}
const outDir = resolve(outArg);

await mkdir(outDir, { recursive: true });
for (const service of services) {
  const document = JSON.parse(await readFile(join(apiDir, `${service}.json`), "utf8"));
  const ast = await openapiTS(document, { alphabetize: true });
  const header = `// Generated from web/api/${service}.json by web/scripts/gen-api.mjs: do not edit.\n\n`;
  await writeFile(join(outDir, `${service}.ts`), header + astToString(ast));
}
console.log(`generated ${services.join(", ")} in ${outDir}`);
