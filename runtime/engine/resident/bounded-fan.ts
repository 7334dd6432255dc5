/**
 * Split and Concat with a bounded number of outputs / inputs. WebGPU binds at most 16 storage buffers
 * per shader (seen on an H100 with onnxruntime-node 1.30: "Too many storage buffers in shader. Current:
 * 17, Max is 16"), and onnxruntime's WebGPU Split and Concat give each output / input its own buffer.
 * A graph over a 50 M model has ~200 layers, so wider nodes become a tree of nodes of at most
 * FAN (15, plus the one other buffer). Both ops only move elements, so the values are the same bits.
 */
import { type GraphBuilder, intAttr } from '../../onnx/graph-builder';
import { i64s } from './onnx-consts';

/** The most outputs of one Split, or inputs of one Concat. */
export const FAN = 15;

/** Groups of at most FAN consecutive items, as few groups as possible. */
function groupsOf<T>(items: T[]): T[][] {
  const size = Math.ceil(items.length / FAN);
  return Array.from({ length: Math.ceil(items.length / size) }, (_, g) => items.slice(g * size, (g + 1) * size));
}

/** Splits the 1-D `x` into pieces of `sizes` along axis 0; the pieces are named `${name}/…`. */
export function boundedSplit(b: GraphBuilder, x: string, sizes: number[], name: string): string[] {
  if (sizes.length === 1) return [x];
  if (sizes.length <= FAN) {
    const outs = sizes.map((_, i) => `${name}/${i}`);
    b.node('Split', [x, i64s(b, sizes)], outs, [intAttr('axis', 0)]);
    return outs;
  }
  const groups = groupsOf(sizes);
  const groupOuts = boundedSplit(b, x, groups.map((g) => g.reduce((a, c) => a + c, 0)), `${name}/g`);
  return groups.flatMap((g, i) => boundedSplit(b, groupOuts[i], g, `${name}/g${i}`));
}

/** Concatenates `inputs` along `axis` into `out` (a tree of Concats when there are more than FAN). */
export function boundedConcat(b: GraphBuilder, inputs: string[], axis: number, out: string): string {
  if (inputs.length <= FAN) {
    b.node('Concat', inputs, [out], [intAttr('axis', axis)]);
    return out;
  }
  const parts = groupsOf(inputs).map((g, i) => (g.length === 1 ? g[0] : boundedConcat(b, g, axis, `${out}/g${i}`)));
  return boundedConcat(b, parts, axis, out);
}
