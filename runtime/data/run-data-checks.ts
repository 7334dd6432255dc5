/**
 * Checks on a run's data that the config schema cannot make alone, done before anything is
 * allocated: the data files are files, and a batch fits in the training set.
 */
import * as fs from 'node:fs';
import { DataError } from './jsonl';

/** `data.train` or `data.eval` must be a file: a folder would reach the reader as Node's bare EISDIR. */
export function checkDataFile(file: string, key: 'data.train' | 'data.eval'): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return; // a missing file is reported by the reader, with its own message
  }
  if (stat.isDirectory()) throw new DataError(`${key} is ${file}, a folder; it must be a JSON-lines file (one example per line)`);
}

/**
 * A batch larger than the training set repeats examples within one step: the estimate gets no
 * better, while a step's time and memory grow with the batch (1,000 on 339 examples took 69 s and
 * 2 GB a step; 100,000 was killed for memory with no message). Refused, naming key, value and size.
 */
export function checkBatchSize(batchSize: number, trainExamples: number, trainFile: string): void {
  if (batchSize > trainExamples) {
    throw new DataError(
      `data.batchSize is ${batchSize}, larger than the ${trainExamples} training example${trainExamples === 1 ? '' : 's'} in ${trainFile}: ` +
        `each step would repeat examples within its batch. Set data.batchSize to at most ${trainExamples}.`,
    );
  }
}
