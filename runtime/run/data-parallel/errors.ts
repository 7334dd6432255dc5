/** Why a data-parallel run or a join could not go on: the user's input or a lost worker, printed as one line. */
export class DataParallelError extends Error {
  override name = 'DataParallelError';
}
