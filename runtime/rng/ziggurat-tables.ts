/**
 * Tables of the 128-layer ziggurat for the standard normal (Marsaglia & Tsang, "The Ziggurat Method
 * for Generating Random Variables", J. Stat. Softw. 5(8), 2000; their `zigset`), scaled for a
 * 24-bit uniform integer u in [0, 2^24) instead of their signed 32-bit one.
 *
 * Layer i (0..127) proposes x = u * WN[i] and accepts at once when u < KN[i] (the part of the layer
 * that lies wholly under the density). FN[i] = exp(-x_i^2 / 2) at the layer's right edge x_i, for the
 * wedge test. Layer 0 is the base strip plus the tail beyond R.
 *
 * Computed once at module load (microseconds) in float64; they are the same on every thread because
 * the computation is deterministic IEEE arithmetic (Math.exp/log/sqrt are the same V8 code everywhere).
 */

/** Number of layers; the fill code takes the layer from the low 7 bits of a random word. */
export const ZIGGURAT_LAYERS = 128;

/** Right edge of the base strip: where the tail starts (Marsaglia & Tsang's dn for 128 layers). */
export const ZIGGURAT_R = 3.442619855899;

/** Area of each layer (their vn). */
const LAYER_AREA = 9.91256303526217e-3;

/** Scale of the uniform integer: u in [0, 2^24). */
const U_SCALE = 16777216;

export const KN = new Float64Array(ZIGGURAT_LAYERS);
export const WN = new Float64Array(ZIGGURAT_LAYERS);
export const FN = new Float64Array(ZIGGURAT_LAYERS);

(function buildTables(): void {
  let dn = ZIGGURAT_R;
  let tn = dn;
  const q = LAYER_AREA / Math.exp(-0.5 * dn * dn);
  KN[0] = (dn / q) * U_SCALE;
  KN[1] = 0;
  WN[0] = q / U_SCALE;
  WN[127] = dn / U_SCALE;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(LAYER_AREA / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = (dn / tn) * U_SCALE;
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / U_SCALE;
  }
})();
