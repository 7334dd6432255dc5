/**
 * Bytes that cross host↔device, counted per session run (issue 21: "bytes moved host↔device per step").
 *
 * What counts: every input tensor that lives on the host (a Float32Array the run reads) is a
 * host→device copy on a GPU provider, except the tensors the caller says stay on the device; every
 * output fetched to the host is a device→host copy. A tensor whose location is 'gpu-buffer' never
 * counts. On the CPU execution provider nothing really moves, but the same accounting says what a GPU
 * provider would move for the same feeds (the resident state there is host arrays standing for
 * device buffers), so CI can test the numbers the device check prints.
 */
import type * as ort from 'onnxruntime-node';

export interface TransferCounts {
  hostToDevice: number;
  deviceToHost: number;
}

export class TransferMeter implements TransferCounts {
  hostToDevice = 0;
  deviceToHost = 0;

  /** Inputs of one run: host tensors not named resident count as uploads. */
  feeds(feeds: Record<string, ort.Tensor>, resident: (name: string) => boolean = () => false): void {
    for (const [name, tensor] of Object.entries(feeds)) {
      if (tensor.location === 'gpu-buffer' || resident(name)) continue;
      this.hostToDevice += byteSize(tensor);
    }
  }

  /** Outputs of one run that reached the host. */
  fetched(outputs: Record<string, ort.Tensor>): void {
    for (const tensor of Object.values(outputs)) if (tensor.location !== 'gpu-buffer') this.deviceToHost += byteSize(tensor);
  }

  snapshot(): TransferCounts {
    return { hostToDevice: this.hostToDevice, deviceToHost: this.deviceToHost };
  }
}

/** Bytes of a tensor's data (element count × element size; bool and uint8 are 1 byte). */
export function byteSize(tensor: ort.Tensor): number {
  const per: Record<string, number> = { float32: 4, int32: 4, uint32: 4, int64: 8, uint64: 8, float64: 8, float16: 2, bool: 1, uint8: 1, int8: 1, int16: 2, uint16: 2 };
  return tensor.size * (per[tensor.type] ?? 4);
}

/** Difference of two snapshots (per step: take one before, one after). */
export function transferSince(before: TransferCounts, after: TransferCounts): TransferCounts {
  return { hostToDevice: after.hostToDevice - before.hostToDevice, deviceToHost: after.deviceToHost - before.deviceToHost };
}
