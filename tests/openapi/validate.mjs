// node validate.mjs OPENAPI_JSON [RESPONSES_JSONL]
//
// 1. Validates the document against the OpenAPI 3.1 schema
//    (@seriousme/openapi-schema-validator).
// 2. Checks each recorded answer (one JSON line: method, path, status,
//    content_type, body): its status is declared for the route, its content
//    type too, and a JSON body is valid against the declared schema (Ajv,
//    JSON Schema 2020-12, the dialect of OpenAPI 3.1).
// 3. Every operation of the document has at least one recorded 2xx answer.
// Exit 0 when all holds, 1 otherwise, naming each failure.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docPath, responsesPath] = process.argv.slice(2);
if (!docPath) {
  console.error("usage: node validate.mjs OPENAPI_JSON [RESPONSES_JSONL]");
  process.exit(2);
}
const doc = JSON.parse(readFileSync(docPath, "utf8"));
const failures = [];

const validator = new Validator();
const result = await validator.validate(structuredClone(doc));
if (!result.valid) failures.push(`the document is not valid OpenAPI ${validator.version}: ${JSON.stringify(result.errors, null, 1)}`);
else console.log(`openapi.json is valid OpenAPI ${validator.version}`);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, "openapi.json");

const pointer = (parts) => "#/" + parts.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
const deref = (obj) => {
  while (obj && obj.$ref) obj = obj.$ref.slice(2).split("/").reduce((o, k) => o[k.replaceAll("~1", "/").replaceAll("~0", "~")], doc);
  return obj;
};
const templates = Object.keys(doc.paths).map((t) => ({
  template: t,
  re: new RegExp("^" + t.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$"),
}));
const covered = new Set();
const compiled = new Map();

function check(rec, n) {
  const where = `answer ${n}: ${rec.method} ${rec.path.slice(0, 120)} → ${rec.status}`;
  const bare = rec.path.split("?")[0];
  const match = templates.find((t) => t.re.test(decodeURIComponent(bare)));
  // Unrouted paths and methods other than GET share the documented error shape.
  const template = match && rec.method === "GET" ? match.template : null;
  const op = template ? doc.paths[template].get : null;
  let responseKey, response;
  if (op) {
    responseKey = String(rec.status) in op.responses ? String(rec.status) : "default";
    response = deref(op.responses[responseKey]);
    if (!response) return failures.push(`${where}: status ${rec.status} is not declared for GET ${template}`);
  } else {
    if (rec.status < 400) return failures.push(`${where}: a success for a path or method the document does not have`);
    response = null;
  }
  if (op && rec.status < 300) covered.add(template);
  if (rec.status === 304) return;  // no body
  const content = response ? response.content ?? {} : { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
  const type = Object.keys(content).find((t) => rec.content_type.startsWith(t));
  if (!type) return failures.push(`${where}: content type "${rec.content_type}" is not among ${Object.keys(content).join(", ")}`);
  if (!type.startsWith("application/json")) return;
  let body;
  try {
    body = JSON.parse(rec.body);
  } catch (e) {
    return failures.push(`${where}: the body is not JSON: ${e.message}`);
  }
  let schemaRef = "openapi.json#/components/schemas/Error";
  if (op) {
    const base = op.responses[responseKey].$ref ?? pointer(["paths", template, "get", "responses", responseKey]);
    schemaRef = "openapi.json" + base + pointer(["content", type, "schema"]).slice(1);
  }
  if (!compiled.has(schemaRef)) compiled.set(schemaRef, ajv.compile({ $ref: schemaRef }));
  const validate = compiled.get(schemaRef);
  if (!validate(body)) failures.push(`${where}: ${ajv.errorsText(validate.errors)} in ${rec.body.slice(0, 300)}`);
}

if (responsesPath) {
  const lines = readFileSync(responsesPath, "utf8").split("\n").filter((l) => l.trim());
  lines.forEach((l, i) => check(JSON.parse(l), i + 1));
  for (const t of Object.keys(doc.paths))
    if (!covered.has(t)) failures.push(`no recorded success answer for GET ${t}: the tests do not exercise it`);
  console.log(`${lines.length} recorded answers checked against their declared schemas`);
}

for (const f of failures) console.error("FAIL: " + f);
process.exit(failures.length ? 1 : 0);
