/**
 * Building ONNX models in code: a tiny GraphBuilder, plus the ready-made models the tests, the
 * built-in demo and the benchmarks use (an MLP classifier and the least-squares golden model).
 * Defaults: IR version 8 and default-domain opset 17, which onnxruntime-node 1.30 runs.
 */
import { AttributeType, type AttributeProto, type Dim, type NodeProto, type OnnxModel, type TensorProto, type ValueInfoProto } from './onnx-types';
import { makeFloatTensor, makeScalarFloatTensor, makeShapeTensor } from './tensor-data';
import { makeValueInfo, type ElemTypeName } from './value-info';
import { mulberry32, uniformFloats } from './seeded-prng';

export const DEFAULT_IR_VERSION = 8;
export const DEFAULT_OPSET = 17;

// Attribute constructors: explicit per type, because 1 could mean an INT or a FLOAT attribute.
export const intAttr = (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i });
export const floatAttr = (name: string, f: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f });
export const intsAttr = (name: string, ints: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints });
export const floatsAttr = (name: string, floats: number[]): AttributeProto => ({ name, type: AttributeType.FLOATS, floats });
export const tensorAttr = (name: string, t: TensorProto): AttributeProto => ({ name, type: AttributeType.TENSOR, t });
export const stringAttr = (name: string, s: string): AttributeProto => ({
  name,
  type: AttributeType.STRING,
  s: Buffer.from(s, 'utf8'), // bytes field: a JS string here would be base64-decoded by protobufjs
});

export interface GraphBuilderOptions {
  graphName?: string;
  opset?: number;
  irVersion?: number;
  producerName?: string;
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly opCounts = new Map<string, number>();

  constructor(private readonly options: GraphBuilderOptions = {}) {}

  /** Adds a graph input and returns its name. String dims are symbolic (e.g. 'batch'). */
  input(name: string, elemType: ElemTypeName, dims: Dim[]): string {
    this.inputs.push(makeValueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output (a value some node produces). */
  output(name: string, elemType: ElemTypeName, dims: Dim[]): string {
    this.outputs.push(makeValueInfo(name, elemType, dims));
    return name;
  }

  initializer(tensor: TensorProto): string {
    if (!tensor.name) throw new Error('an initializer needs a name');
    this.initializers.push(tensor);
    return tensor.name;
  }

  floatInitializer(name: string, dims: number[], values: Float32Array | ArrayLike<number>): string {
    return this.initializer(makeFloatTensor(name, dims, values));
  }

  /** Adds a node with explicit output names. */
  node(opType: string, inputs: string[], outputs: string[], attributes: AttributeProto[] = []): NodeProto {
    const count = (this.opCounts.get(opType) ?? 0) + 1;
    this.opCounts.set(opType, count);
    const node: NodeProto = { op_type: opType, name: `${opType}_${count}`, input: inputs, output: outputs, attribute: attributes };
    this.nodes.push(node);
    return node;
  }

  /** Adds a single-output node; the output is named `output` or after the node. Returns the output name. */
  op(opType: string, inputs: string[], attributes: AttributeProto[] = [], output?: string): string {
    const count = (this.opCounts.get(opType) ?? 0) + 1;
    const name = output ?? `${opType.toLowerCase()}_${count}`;
    this.node(opType, inputs, [name], attributes);
    return name;
  }

  build(): OnnxModel {
    this.checkUniqueValueNames();
    return {
      ir_version: this.options.irVersion ?? DEFAULT_IR_VERSION,
      producer_name: this.options.producerName ?? 'helene-studio',
      opset_import: [{ domain: '', version: this.options.opset ?? DEFAULT_OPSET }],
      graph: {
        name: this.options.graphName ?? 'graph',
        node: [...this.nodes],
        initializer: [...this.initializers],
        input: [...this.inputs],
        output: [...this.outputs],
      },
    };
  }

  // ONNX requires every value to be defined once (SSA); catching it here gives a clearer message than ORT.
  private checkUniqueValueNames(): void {
    const seen = new Set<string>();
    const names = [
      ...this.inputs.map((v) => v.name ?? ''),
      ...this.initializers.map((t) => t.name ?? ''),
      ...this.nodes.flatMap((n) => n.output),
    ];
    for (const name of names) {
      if (seen.has(name)) throw new Error(`GraphBuilder: value '${name}' is defined twice`);
      seen.add(name);
    }
  }
}

export interface MlpClassifierOptions {
  inputDim: number;
  hidden: number[];
  classes: number;
  activation: 'tanh' | 'relu';
  seed: number;
  /** Per-feature input scaling (a frozen initializer `input.scale`), e.g. to normalise features. */
  inputScale?: number[];
}

/**
 * x float [batch, inputDim] → (Mul input.scale) → [MatMul fcK.weight [in, out] + Add fcK.bias → act]*
 * → MatMul head.weight + Add head.bias → logits float [batch, classes].
 * Weights: Xavier-uniform from a seeded PRNG; biases small but non-zero, so a test that ignored a
 * bias would notice.
 */
export function buildMlpClassifier(options: MlpClassifierOptions): OnnxModel {
  const { inputDim, hidden, classes, activation, seed, inputScale } = options;
  const random = mulberry32(seed);
  const b = new GraphBuilder({ graphName: 'mlp_classifier' });
  let current = b.input('x', 'float', ['batch', inputDim]);
  if (inputScale) {
    if (inputScale.length !== inputDim) throw new Error(`inputScale has ${inputScale.length} values, expected ${inputDim}`);
    b.floatInitializer('input.scale', [inputDim], inputScale);
    current = b.op('Mul', [current, 'input.scale'], [], 'x_scaled');
  }
  const widths = [inputDim, ...hidden, classes];
  for (let layer = 0; layer + 1 < widths.length; layer++) {
    const fanIn = widths[layer];
    const fanOut = widths[layer + 1];
    const isHead = layer === widths.length - 2;
    const prefix = isHead ? 'head' : `fc${layer + 1}`;
    b.floatInitializer(`${prefix}.weight`, [fanIn, fanOut], uniformFloats(random, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut))));
    b.floatInitializer(`${prefix}.bias`, [fanOut], uniformFloats(random, fanOut, 0.1));
    const product = b.op('MatMul', [current, `${prefix}.weight`], [], `${prefix}/matmul`);
    current = b.op('Add', [product, `${prefix}.bias`], [], isHead ? 'logits' : `${prefix}/linear`);
    if (!isHead) current = b.op(activation === 'tanh' ? 'Tanh' : 'Relu', [current], [], `${prefix}/${activation}`);
  }
  b.output('logits', 'float', ['batch', classes]);
  return b.build();
}

export interface LeastSquaresLayer {
  name: string;
  shape: number[];
}

/**
 * The golden-test model: inputs a float [batch, D] and y float [batch], one zero-valued float
 * initializer per layer, theta = concat of the layers flattened row-major in layer order
 * (D = total size), output loss[b] = 0.5 * (a[b]·theta − y[b])^2, shape [batch].
 */
export function buildLeastSquares(options: { layers: LeastSquaresLayer[] }): OnnxModel {
  const { layers } = options;
  if (layers.length === 0) throw new Error('buildLeastSquares needs at least one layer');
  const total = layers.reduce((sum, layer) => sum + layer.shape.reduce((a, d) => a * d, 1), 0);
  const b = new GraphBuilder({ graphName: 'least_squares' });
  const a = b.input('a', 'float', ['batch', total]);
  const y = b.input('y', 'float', ['batch']);
  const flatShape = b.initializer(makeShapeTensor('ls.flat_shape', [-1]));
  const half = b.initializer(makeScalarFloatTensor('ls.half', 0.5));
  const flats = layers.map((layer) => {
    const size = layer.shape.reduce((x, d) => x * d, 1);
    b.floatInitializer(layer.name, layer.shape, new Float32Array(size));
    return b.op('Reshape', [layer.name, flatShape], [], `${layer.name}/flat`);
  });
  const theta = b.op('Concat', flats, [intAttr('axis', 0)], 'ls.theta');
  const prediction = b.op('MatMul', [a, theta], [], 'ls.prediction'); // [B, D] x [D] → [B]
  const residual = b.op('Sub', [prediction, y], [], 'ls.residual');
  const squared = b.op('Mul', [residual, residual], [], 'ls.residual_sq');
  b.op('Mul', [squared, half], [], 'loss');
  b.output('loss', 'float', ['batch']);
  return b.build();
}
