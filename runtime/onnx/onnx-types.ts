/**
 * Plain-object view of the ONNX protobuf messages, as this project decodes them.
 *
 * Field names are ONNX's own snake_case (the descriptor keeps case), every int64 is a JS number
 * (see proto-codec.ts for why that is safe), enums are numbers, and `bytes` fields are Uint8Array
 * (often Buffer views into the file: never assume they are aligned or private copies).
 * Only the fields this project reads or writes are spelled out; the rest are carried through
 * untouched as `unknown`, so a decode → edit → encode cycle keeps them.
 */

/** TensorProto.DataType (numeric: a string enum would silently encode as 0). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

/** TensorProto.DataLocation. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

export interface StringStringEntry {
  key?: string;
  value?: string;
}

export interface OperatorSetId {
  /** '' (or 'ai.onnx') is the default ONNX operator set. */
  domain?: string;
  version?: number;
}

export interface TensorProto {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  uint64_data?: number[];
  string_data?: Uint8Array[];
  data_location?: number;
  /** Keys: location (relative to the model's directory), offset, length, checksum. */
  external_data?: StringStringEntry[];
  doc_string?: string;
  segment?: unknown;
  metadata_props?: StringStringEntry[];
}

/** One dimension: a fixed size, a symbolic name ('batch'), or neither (unknown). */
export interface TensorShapeDimension {
  dim_value?: number;
  dim_param?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim?: TensorShapeDimension[];
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: unknown;
  map_type?: unknown;
  optional_type?: unknown;
  sparse_tensor_type?: unknown;
  opaque_type?: unknown;
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
  metadata_props?: StringStringEntry[];
}

export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  ref_attr_name?: string;
  doc_string?: string;
  sparse_tensor?: unknown;
  sparse_tensors?: unknown[];
  tp?: unknown;
  type_protos?: unknown[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
  metadata_props?: StringStringEntry[];
  device_configurations?: unknown[];
}

export interface GraphProto {
  name?: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  sparse_initializer?: unknown[];
  quantization_annotation?: unknown[];
  doc_string?: string;
  metadata_props?: StringStringEntry[];
}

/** ModelProto with a graph (readModel rejects files without one). */
export interface OnnxModel {
  ir_version?: number;
  opset_import: OperatorSetId[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph: GraphProto;
  metadata_props?: StringStringEntry[];
  training_info?: unknown[];
  functions?: unknown[];
  configuration?: unknown[];
}

/** A dimension as callers write it: a size, or a symbolic name such as 'batch'. */
export type Dim = number | string;
