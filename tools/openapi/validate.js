#!/usr/bin/env node
// Validates the OpenAPI document (default: src/api/assets/openapi.json) with
// a real validator, then checks every example in it against its schema.
//
//   npm ci --prefix tools/openapi        # once: installs the pinned validator
//   node tools/openapi/validate.js [path/to/openapi.json]
//
// 1. @apidevtools/swagger-parser validates against the OpenAPI 3.0 JSON
//    schema plus its semantic rules (unique operationIds, declared path
//    parameters, resolvable $refs).
// 2. Every `example` and `examples[*].value` (schemas, media types,
//    parameters, headers) is validated with Ajv against its schema, read with
//    OpenAPI 3.0.3 semantics (`nullable`; an enum must list null to allow it).
// 3. Every operation has an operationId, a summary and exactly one declared tag.
//
// Exit status: 0 valid, 1 invalid, 2 cannot run (dependencies missing).
'use strict';

const fs = require('fs');
const path = require('path');

function need(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`validate.js: cannot load ${name} (${e.code || e.message}); ` +
                  'run: npm ci --prefix tools/openapi');
    process.exit(2);
  }
}
const SwaggerParser = need('@apidevtools/swagger-parser');
const Ajv = need('ajv');

const file = path.resolve(process.argv[2] ||
                          path.join(__dirname, '..', '..', 'src', 'api', 'assets', 'openapi.json'));
const problems = [];

// OpenAPI 3.0 schema object -> JSON Schema (draft-07) that Ajv understands.
// $refs to components are made absolute against the document's $id.
const DOC_ID = 'openapi.json';
function toJsonSchema(schema) {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (['example', 'nullable', 'xml', 'externalDocs', 'discriminator', 'deprecated'].includes(key)) continue;
    if (key === '$ref') out.$ref = value.startsWith('#') ? DOC_ID + value : value;
    else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v)]));
    } else if (typeof value === 'object') out[key] = toJsonSchema(value);
    else out[key] = value;
  }
  if (schema.nullable === true && typeof schema.type === 'string') out.type = [schema.type, 'null'];
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);

function pointer(parts) {
  return '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function checkExample(schema, value, where) {
  let validate;
  try {
    validate = ajv.compile(toJsonSchema(schema));
  } catch (e) {
    problems.push(`${where}: schema does not compile: ${e.message}`);
    return;
  }
  if (!validate(value)) {
    for (const e of validate.errors) {
      problems.push(`${where}: example${e.instancePath} ${e.message}` +
                    (e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''));
    }
  }
}

// Walks a schema object: its own example, then nested schemas.
function walkSchema(schema, at) {
  if (!schema || typeof schema !== 'object') return;
  if ('example' in schema && !schema.$ref) checkExample(schema, schema.example, pointer(at));
  for (const key of ['items', 'additionalProperties', 'not']) {
    if (schema[key] && typeof schema[key] === 'object') walkSchema(schema[key], [...at, key]);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    (schema[key] || []).forEach((s, i) => walkSchema(s, [...at, key, i]));
  }
  for (const [name, s] of Object.entries(schema.properties || {})) walkSchema(s, [...at, 'properties', name]);
}

// Media types, parameters and headers: an object with `schema` and examples.
function walkExamplesHolder(holder, at) {
  if (!holder || typeof holder !== 'object' || !holder.schema) return;
  walkSchema(holder.schema, [...at, 'schema']);
  if ('example' in holder) checkExample(holder.schema, holder.example, pointer([...at, 'example']));
  for (const [name, ex] of Object.entries(holder.examples || {})) {
    if (ex.$ref) continue;
    checkExample(holder.schema, ex.value, pointer([...at, 'examples', name]));
  }
}

function walkResponse(response, at) {
  for (const [name, h] of Object.entries(response.headers || {})) walkExamplesHolder(h, [...at, 'headers', name]);
  for (const [type, m] of Object.entries(response.content || {})) walkExamplesHolder(m, [...at, 'content', type]);
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

async function main() {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(1);
  }

  try {
    // validate() dereferences its argument in place: give it a copy.
    await SwaggerParser.validate(JSON.parse(JSON.stringify(doc)));
  } catch (e) {
    problems.push(`swagger-parser: ${e.message}`);
  }

  ajv.addSchema(toJsonSchema(doc), DOC_ID);
  const components = doc.components || {};
  for (const [name, s] of Object.entries(components.schemas || {})) walkSchema(s, ['components', 'schemas', name]);
  for (const [name, p] of Object.entries(components.parameters || {})) walkExamplesHolder(p, ['components', 'parameters', name]);
  for (const [name, h] of Object.entries(components.headers || {})) walkExamplesHolder(h, ['components', 'headers', name]);
  for (const [name, r] of Object.entries(components.responses || {})) walkResponse(r, ['components', 'responses', name]);

  const tags = new Set((doc.tags || []).map((t) => t.name));
  let operations = 0;
  for (const [p, item] of Object.entries(doc.paths || {})) {
    (item.parameters || []).forEach((param, i) => walkExamplesHolder(param, ['paths', p, 'parameters', i]));
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      ++operations;
      const at = ['paths', p, method];
      const name = `${method.toUpperCase()} ${p}`;
      if (!op.operationId) problems.push(`${name}: no operationId`);
      if (!op.summary) problems.push(`${name}: no summary`);
      if (!Array.isArray(op.tags) || op.tags.length !== 1 || !tags.has(op.tags[0])) {
        problems.push(`${name}: needs exactly one tag from the top-level tags, has ${JSON.stringify(op.tags)}`);
      }
      (op.parameters || []).forEach((param, i) => walkExamplesHolder(param, [...at, 'parameters', i]));
      if (op.requestBody && op.requestBody.content) {
        for (const [type, m] of Object.entries(op.requestBody.content)) {
          walkExamplesHolder(m, [...at, 'requestBody', 'content', type]);
        }
      }
      for (const [status, r] of Object.entries(op.responses || {})) {
        if (!r.$ref) walkResponse(r, [...at, 'responses', status]);
      }
    }
  }

  if (problems.length) {
    for (const p of problems) console.error(p);
    console.error(`${path.basename(file)}: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`${path.basename(file)}: valid OpenAPI ${doc.openapi}, ${operations} operations, ` +
              'every example matches its schema');
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
