/** Public API of the random-number layer; see README.md in this folder for the scheme. */
export { threefry2x32, threefry2x32_13, THREEFRY_ROUNDS, THREEFRY_Z_ROUNDS } from './threefry';
export {
  type Seed64,
  type LayerKey,
  type StreamTag,
  deriveSeed,
  stepSeed,
  layerKey,
  zKey,
  rademacherKey,
  seedToHex,
  seedFromHex,
  seedFromNumber,
  seedFromText,
  seedFromConfig,
} from './seeds';
export { fillNormal, normalAt } from './normal';
export { fillRademacher, rademacherAt } from './rademacher';
export { KernelPool, allocShared, isShared, type KernelPoolOptions } from './kernel-pool';
