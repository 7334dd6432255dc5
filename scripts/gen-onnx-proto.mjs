// Regenerates runtime/onnx/proto/onnx.proto.json from the vendored onnx.proto.
//
// Why a JSON descriptor: the runtime loads it with `protobufjs/light` (Root.fromJSON), which
// needs no .proto parser at run time and bundles cleanly with esbuild as a plain JSON import.
// `keepCase: true` keeps ONNX's snake_case field names (raw_data, ir_version, ...), so the
// decoded objects read like the ONNX spec and the Python `onnx` package.
//
// Usage: node scripts/gen-onnx-proto.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoPath = join(repoRoot, 'runtime/onnx/proto/onnx.proto');
const jsonPath = join(repoRoot, 'runtime/onnx/proto/onnx.proto.json');

const source = readFileSync(protoPath, 'utf8');
const { root } = protobuf.parse(source, { keepCase: true });
// Resolve every type reference now so a broken .proto fails here, not at run time.
root.resolveAll();
const modelType = root.lookupType('onnx.ModelProto');
if (!modelType.fields.ir_version) throw new Error('onnx.ModelProto has no ir_version field: wrong .proto?');

const descriptor = root.toJSON({ keepComments: false });
writeFileSync(jsonPath, JSON.stringify(descriptor, null, 1) + '\n');
console.log(`wrote ${jsonPath} (${Object.keys(descriptor.nested.onnx.nested).length} onnx types)`);
