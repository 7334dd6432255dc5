/**
 * The traps torch.onnx.export sets for a trainer (field notes; reproduced by
 * scripts/fixtures/make_trap_models.py):
 *
 * 1. Identity aliases. The exporter de-duplicates initializers with identical values and keeps the
 *    other names as `Identity(source)` outputs. Fresh LayerNorms (all ones / zeros) and per-layer
 *    buffers collapse this way, so training the shared source would tie parameters PyTorch kept
 *    apart. Handled: every alias of an initializer becomes its own initializer again (a copy that
 *    shares the bytes until it is trained), which restores the original model exactly.
 *    A half-precision copy in the Cast form (`W.stored` → Cast to float → `W`, kv-llama-fp16) keeps
 *    the aliases as `Identity(W)` of the Cast's output: each becomes `Cast(alias.stored)` with its
 *    own stored initializer, so the float16 model trains the same tensors as its float32 twin.
 * 2. Constant-folded copies. With do_constant_folding=True, Linear weights are pre-transposed into
 *    initializers named `onnx::MatMul_N` (the parameter's name is gone) and a tied LM head becomes a
 *    transposed copy of the embedding. Detected: a copy that would not follow its trained original
 *    is an error that names both and says how to re-export; a pattern that matches nothing in a
 *    folded export gets a hint.
 * 3. Buffers that look like weights (GPT-2's float 0/1 causal mask `attn.bias`, `-1e4` mask fills,
 *    position ids). Detected: selecting one is an error, and the presets skip them.
 */
import type { GraphProto, NodeProto, TensorProto } from './onnx-types';
import { DataType } from './onnx-types';
import { isExternalTensor, tensorElementCount, tensorToFloat32 } from './tensor-data';
import { readFloat32Range, readTensorFloat32 } from './tensor-reader';

// External tensors (big models, model-structure.ts) are checked on a probe of their first values;
// only a probe that could be a 0/1 mask is followed by reading the whole tensor.
const PROBE = 1 << 16;

export interface UntiedAlias {
  alias: string;
  source: string;
}

/**
 * Replace every `Identity(initializer)` node by an initializer of its own (same data) named like
 * the alias. Chains (Identity of an alias) resolve to the first initializer. Returns what it untied.
 */
export function untieInitializerAliases(graph: GraphProto): UntiedAlias[] {
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const untied: UntiedAlias[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    const producers = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    const keep = [];
    for (const node of graph.node) {
      const isAlias = node.op_type === 'Identity' && (!node.domain || node.domain === 'ai.onnx') && node.input.length === 1;
      const source = isAlias ? initializers.get(node.input[0]) : undefined;
      const alias = node.output[0];
      if (source && alias && !initializers.has(alias)) {
        const copy: TensorProto = { ...source, name: alias };
        graph.initializer.push(copy);
        initializers.set(alias, copy);
        untied.push({ alias, source: source.name ?? '' });
        changed = true;
        continue;
      }
      const viaCast = isAlias && alias ? storedAlias(node.input[0], alias, producers.get(node.input[0]), initializers, producers) : null;
      if (viaCast) {
        const copy: TensorProto = { ...viaCast.stored, name: viaCast.name };
        graph.initializer.push(copy);
        initializers.set(viaCast.name, copy);
        keep.push({ ...viaCast.cast, name: viaCast.cast.name ? `${viaCast.cast.name}/untied/${alias}` : undefined, input: [viaCast.name], output: [alias] });
        untied.push({ alias: viaCast.name, source: viaCast.stored.name ?? '' });
        changed = true;
        continue;
      }
      keep.push(node);
    }
    graph.node = keep;
  }
  return untied;
}

/**
 * `Identity(value)` where value = Cast-to-float(stored 16-bit initializer): the stored initializer and
 * the Cast to copy for the alias, and the copy's name (the source's suffix on the alias: `.stored`
 * in kv-llama-fp16), or null when the value is not such a Cast or the name is taken.
 */
function storedAlias(value: string, alias: string, cast: NodeProto | undefined, initializers: Map<string, TensorProto>, producers: Map<string, NodeProto>): { stored: TensorProto; cast: NodeProto; name: string } | null {
  if (!cast || cast.op_type !== 'Cast' || cast.input.length !== 1 || !(cast.attribute ?? []).some((a) => a.name === 'to' && a.i === DataType.FLOAT)) return null;
  const stored = initializers.get(cast.input[0]);
  if (!stored || (stored.data_type !== DataType.FLOAT16 && stored.data_type !== DataType.BFLOAT16)) return null;
  const storedName = stored.name ?? '';
  const name = storedName.startsWith(value) && storedName.length > value.length ? alias + storedName.slice(value.length) : `${alias}.stored`;
  if (initializers.has(name) || producers.has(name)) return null;
  return { stored, cast, name };
}

/** Why a float initializer is a buffer rather than a parameter, or null when it looks like a parameter. */
export function bufferReason(tensor: TensorProto, values: Float32Array | null): string | null {
  const name = tensor.name ?? '';
  if (/(^|[._/:])(mask|masked_bias|position_ids|inv_freq|causal_mask)([._/]|$)/i.test(name)) return 'its name says it is a buffer (mask, position ids, rotary frequencies)';
  if (!values) return null;
  const rank = tensor.dims?.length ?? 0;
  let zeros = 0;
  let ones = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || Math.abs(v) >= 1e4) return `it holds ${v}, a mask-fill constant, not a learned value`;
    if (v === 0) zeros++;
    else if (v === 1) ones++;
  }
  if (rank >= 2 && zeros > 0 && ones > 0 && zeros + ones === values.length && isTriangular(values, tensor.dims ?? [])) return 'it holds a 0/1 triangle: a causal attention mask buffer';
  return null;
}

/** Every trailing square slice is a lower or upper 0/1 triangle (GPT-2's `attn.bias`), not e.g. an identity matrix. */
function isTriangular(values: Float32Array, dims: number[]): boolean {
  const n = dims[dims.length - 1];
  if (dims.length < 2 || dims[dims.length - 2] !== n || n < 2) return false;
  const triangle = (lower: boolean, strict: boolean) => {
    for (let base = 0; base < values.length; base += n * n) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const inside = lower ? (strict ? j < i : j <= i) : strict ? j > i : j >= i;
          if (values[base + i * n + j] !== (inside ? 1 : 0)) return false;
        }
      }
    }
    return true;
  };
  return triangle(true, false) || triangle(false, false) || triangle(true, true) || triangle(false, true);
}

/**
 * Float values of an initializer for the buffer check, or null when it is not float32 or its data is
 * external and no `baseDir` says where. For an external tensor that is a probe of its first values
 * (a mask-fill constant shows there) unless the probe is all 0/1, when the whole tensor is read.
 */
export function inlineValues(tensor: TensorProto, baseDir?: string): Float32Array | null {
  if (tensor.data_type === DataType.FLOAT16 || tensor.data_type === DataType.BFLOAT16) {
    // Half-precision weights: checked whole when inline or small, skipped when big and external.
    if (isExternalTensor(tensor) && (baseDir === undefined || tensorElementCount(tensor) > PROBE)) return null;
    return readTensorFloat32(tensor, baseDir);
  }
  if (tensor.data_type !== DataType.FLOAT) return null;
  if (!isExternalTensor(tensor)) return tensorToFloat32(tensor);
  if (baseDir === undefined) return null;
  const count = tensorElementCount(tensor);
  if (count <= PROBE) return readTensorFloat32(tensor, baseDir);
  const probe = readFloat32Range(tensor, baseDir, 0, PROBE);
  return probe.every((v) => v === 0 || v === 1) ? readTensorFloat32(tensor, baseDir) : probe;
}

/** Throws when a chosen trainable is a buffer. */
export function refuseBuffers(trainables: TensorProto[], modelName: string, baseDir?: string): void {
  for (const tensor of trainables) {
    const reason = bufferReason(tensor, inlineValues(tensor, baseDir));
    if (reason) {
      throw new Error(
        `${modelName}: initializer '${tensor.name}' looks like a buffer, not a parameter (${reason}); training it would corrupt the model. ` +
          `Select trainables with a pattern that leaves it out, or use model.trainablePreset "all" (which skips buffers)`,
      );
    }
  }
}

export interface FoldedCopy {
  copy: string;
  original: string;
  transposed: boolean;
}

function sameValues(a: Float32Array, b: Float32Array, rows: number, cols: number, transposed: boolean): boolean {
  // A few probes first: almost every pair of same-sized tensors differs at once.
  const at = (i: number) => (transposed ? b[(i % cols) * rows + Math.floor(i / cols)] : b[i]);
  const n = a.length;
  for (const i of [0, n - 1, n >> 1, n >> 2, (3 * n) >> 2]) if (a[i] !== at(i)) return false;
  for (let i = 0; i < n; i++) if (a[i] !== at(i)) return false;
  return true;
}

/**
 * Frozen initializers holding the same values as a trainable one (or its transpose, for rank 2):
 * constant-folded copies that would silently stop following the trained weight.
 */
export function findFoldedCopies(graph: GraphProto, trainableNames: Set<string>, untied: UntiedAlias[] = [], baseDir?: string): FoldedCopy[] {
  // Untied aliases are equal by construction and separate parameters by design: not copies.
  const aliasPairs = new Set(untied.flatMap((u) => [`${u.alias}\n${u.source}`, `${u.source}\n${u.alias}`]));
  const readable = (t: TensorProto) => !isExternalTensor(t) || baseDir !== undefined;
  const floats = graph.initializer.filter((t) => t.data_type === DataType.FLOAT && readable(t) && tensorElementCount(t) >= 16);
  const trained = floats.filter((t) => trainableNames.has(t.name ?? ''));
  const frozen = floats.filter((t) => !trainableNames.has(t.name ?? ''));
  const found: FoldedCopy[] = [];
  for (const t of trained) {
    const size = tensorElementCount(t);
    const dims = t.dims ?? [];
    const candidates = frozen.filter((f) => tensorElementCount(f) === size);
    if (candidates.length === 0) continue;
    const values = readTensorFloat32(t, baseDir);
    // A constant tensor (fresh LayerNorm ones, zero biases) equals many others by coincidence.
    if (values.every((v) => v === values[0])) continue;
    for (const f of candidates) {
      if (aliasPairs.has(`${f.name}\n${t.name}`)) continue;
      const fd = f.dims ?? [];
      // The first and last elements sit in the same place in a transpose: a cheap filter before a full read.
      if (isExternalTensor(f)) {
        const first = readFloat32Range(f, baseDir, 0, 1)[0];
        const last = readFloat32Range(f, baseDir, size - 1, 1)[0];
        if (first !== values[0] || last !== values[size - 1]) continue;
      }
      const other = readTensorFloat32(f, baseDir);
      const sameShape = fd.length === dims.length && fd.every((d, i) => d === dims[i]);
      if (sameShape && sameValues(values, other, 0, 0, false)) found.push({ copy: f.name ?? '', original: t.name ?? '', transposed: false });
      else if (dims.length === 2 && fd.length === 2 && fd[0] === dims[1] && fd[1] === dims[0] && sameValues(values, other, dims[0], dims[1], true)) {
        found.push({ copy: f.name ?? '', original: t.name ?? '', transposed: true });
      }
    }
  }
  return found;
}

export function refuseFoldedCopies(graph: GraphProto, trainableNames: Set<string>, modelName: string, untied: UntiedAlias[] = [], baseDir?: string): void {
  const copies = findFoldedCopies(graph, trainableNames, untied, baseDir);
  if (copies.length === 0) return;
  const list = copies.map((c) => `'${c.copy}' = ${c.transposed ? 'transpose of ' : 'copy of '}'${c.original}'`).join(', ');
  throw new Error(
    `${modelName}: frozen initializer(s) ${list}: constant-folded copies of trainable weights (torch.onnx.export with do_constant_folding=True; ` +
      `a tied weight such as an LM head sharing the embeddings becomes such a copy). Training the original would not change the copy, so the tie breaks silently. ` +
      `Re-export with do_constant_folding=False, or add the copies to model.trainable to train them as separate (untied) weights`,
  );
}

/** A hint for "pattern matched nothing" on exports whose Linear weights lost their names to folding. */
export function foldedNamesHint(graph: GraphProto): string {
  const folded = graph.initializer.filter((t) => /^onnx::(MatMul|Gemm)_/.test(t.name ?? '')).length;
  if (folded === 0) return '';
  return ` Note: ${folded} initializer(s) are named 'onnx::MatMul_N': this model was exported with constant folding, which pre-transposes Linear weights and drops their names. ` +
    `Re-export with torch.onnx.export(..., do_constant_folding=False) to select them by their PyTorch names, or select them by their folded names.`;
}
