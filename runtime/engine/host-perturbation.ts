/**
 * The perturbation the training graph computes (surgery.ts: `Mul(dir, zo_scale)` then
 * `Add(theta, ·)`, both float32), done on the host for the concurrent-pass worker:
 *   out_j = float32(theta_j + float32(dir_j · s)),  s = float32(scale)
 * Each float32 product is exact in float64 and rounding a float64 sum of two float32 values to
 * float32 gives the correctly rounded float32 sum (53 ≥ 2·24 + 2 bits, so double rounding is
 * harmless), hence the same bits as onnxruntime's float32 Mul and Add. A test compares the losses
 * of both paths bit for bit.
 */

/** Writes theta + scale · dir (as the graph computes it) into out; out may not alias theta or dir. */
export function perturbInto(out: Float32Array, theta: Float32Array, dir: Float32Array, scale: number): void {
  const s = Math.fround(scale);
  // A module-level loop with every value local: V8 keeps it in registers (see mezo.ts sgdUpdate).
  for (let j = 0; j < out.length; j++) out[j] = theta[j]! + Math.fround(dir[j]! * s);
}
