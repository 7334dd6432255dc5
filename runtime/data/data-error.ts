/** A problem with the user's dataset: the message names the file (and line) and the fix. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
