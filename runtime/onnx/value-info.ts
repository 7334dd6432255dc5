/** Making and reading ValueInfoProto (graph inputs and outputs with element type and dims). */
import { DataType, type Dim, type ValueInfoProto } from './onnx-types';

/** Element types by the names builders use. */
export type ElemTypeName = 'float' | 'int64' | 'int32' | 'uint32' | 'bool';

const ELEM_TYPES: Record<ElemTypeName, number> = {
  float: DataType.FLOAT,
  int64: DataType.INT64,
  int32: DataType.INT32,
  uint32: DataType.UINT32,
  bool: DataType.BOOL,
};

/** A tensor ValueInfo; string dims are symbolic ('batch'), numbers fixed. */
export function makeValueInfo(name: string, elemType: ElemTypeName | number, dims: Dim[]): ValueInfoProto {
  const elem_type = typeof elemType === 'number' ? elemType : ELEM_TYPES[elemType];
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type, shape: { dim } } } };
}

/**
 * Dims of a tensor ValueInfo: numbers, symbolic names, or undefined for a dimension with neither.
 * Undefined as a whole when the shape (or rank) is unknown.
 */
export function valueInfoDims(info: ValueInfoProto): (Dim | undefined)[] | undefined {
  const shape = info.type?.tensor_type?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => d.dim_value ?? (d.dim_param ? d.dim_param : undefined));
}

export function valueInfoElemType(info: ValueInfoProto): number | undefined {
  return info.type?.tensor_type?.elem_type;
}

/** 'x [batch, 4]' style text for messages. */
export function describeValueInfo(info: ValueInfoProto): string {
  const dims = valueInfoDims(info);
  return dims ? `${info.name} [${dims.map((d) => d ?? '?').join(', ')}]` : `${info.name} [unknown shape]`;
}
