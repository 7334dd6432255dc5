/**
 * The run folder as the trainer writes it, and the silent stand-in a data-parallel follower uses.
 *
 * In a data-parallel run (data-parallel/*.ts) every worker runs the same trainer, but only rank 0
 * writes the run folder: the others compute the same steps and must write nothing but their log.
 * A follower's trainer gets a FollowerFolder: it names rank 0's folder (for messages and for reading
 * the checkpoint a resume starts from) and drops every write.
 */
import * as path from 'node:path';
import type { MetricRecord, ResolvedConfig, RunManifest, RunStatus, RunSummary, StepProfile } from '../protocol';
import { checkpointFile, type CheckpointData } from './checkpoint';

/** What the trainer needs of its run folder (RunFolderWriter, or FollowerFolder on ranks > 0). */
export interface RunFolderSink {
  readonly dir: string;
  readonly id: string;
  movedAside: string | null;
  dropMetricsAfter(keep: (r: MetricRecord) => boolean): void;
  writeManifest(manifest: RunManifest, config: ResolvedConfig): void;
  writeStatus(status: RunStatus): void;
  writeSummary(summary: RunSummary): void;
  writeProfile(profile: StepProfile): void;
  append(record: MetricRecord): void;
  flush(): void;
  flushDurable(): void;
  dropPending(): void;
  releaseReserve(): void;
  /** Write a checkpoint (verified, older ones pruned to `keep`); returns its file. */
  saveCheckpoint(data: CheckpointData, keep: number): string;
  /** Remove the checkpoints newer than `step` (a resume from an older one regenerates them). */
  removeCheckpointsAfter(step: number): void;
  close(): void;
}

export class FollowerFolder implements RunFolderSink {
  readonly id: string;
  movedAside: string | null = null;
  constructor(readonly dir: string) {
    this.id = path.basename(dir);
  }
  dropMetricsAfter(): void {}
  writeManifest(): void {}
  writeStatus(): void {}
  writeSummary(): void {}
  writeProfile(): void {}
  append(): void {}
  flush(): void {}
  flushDurable(): void {}
  dropPending(): void {}
  releaseReserve(): void {}
  saveCheckpoint(data: CheckpointData): string {
    return checkpointFile(this.dir, data.counters.step);
  }
  removeCheckpointsAfter(): void {}
  close(): void {}
}
