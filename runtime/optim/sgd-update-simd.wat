;; MeZO's update (mezo.ts sgdUpdate) as a WebAssembly kernel with 128-bit SIMD, bit for bit:
;;   delta = lr * (c * z[j] + decay * theta[j])      in float64, as JS evaluates it (no fused multiply-add)
;;   theta[j] = f32(theta[j] - delta)                f32.demote rounds to nearest-even, like Math.fround
;;   sq += delta * delta                             in element order: the same float64 sum as JS
;; Hand-written; assembled by `npm run gen:wasm` (wabt) into sgd-update-simd-bytes.ts
;; (test/unit/wasm-kernels.test.ts checks that the two never drift apart).
;;
;; update(n, lr, c, decay, sq) updates THETA[0 .. n) with Z[0 .. n) and returns the running squared
;; norm sq + Σ delta², with sgdUpdate's folded finiteness test: when any stored theta is not finite
;; the result is NaN (JS sums the stored values and adds that sum · 0; here the largest |theta| of
;; the call · 0, which is 0 or NaN in exactly the same cases: both are finite iff every value is).
;; Chunks chain through `sq`, so a layer split into calls gives the same sum as one JS loop.
;;
;; Vectorisation: 4 elements per iteration as two f64x2 halves; only the squared-norm sum stays
;; scalar, because its order fixes its rounding. The JS loop runs that sum and the probe sum as two
;; dependent float64 chains; here the probe is a lane-wise max, off the critical path.
;;
;; Linear memory (bytes): THETA f32[65536] at 0, Z f32[65536] at 262144; 8 pages, fixed.
(module
  (memory (export "memory") 8 8)
  (global (export "thetaPtr") i32 (i32.const 0))
  (global (export "zPtr") i32 (i32.const 262144))
  (global (export "maxElements") i32 (i32.const 65536))

  (func (export "update") (param $n i32) (param $lr f64) (param $c f64) (param $decay f64) (param $sq f64)
      (result f64)
    (local $p i32) (local $vecEnd i32) (local $end i32)
    (local $vlr v128) (local $vc v128) (local $vd v128)
    (local $t v128) (local $z v128) (local $tlo v128) (local $thi v128) (local $dlo v128) (local $dhi v128)
    (local $next v128) (local $maxAbs v128) (local $dd v128)
    (local $ts f64) (local $ds f64) (local $nexts f32) (local $maxAbsScalar f32)
    (if (i32.gt_u (local.get $n) (i32.const 65536)) (then unreachable))
    (local.set $vlr (f64x2.splat (local.get $lr)))
    (local.set $vc (f64x2.splat (local.get $c)))
    (local.set $vd (f64x2.splat (local.get $decay)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $t (v128.load (local.get $p)))
        (local.set $z (v128.load offset=262144 (local.get $p)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $t)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t))))
        (local.set $dlo (f64x2.mul (local.get $vlr)
          (f64x2.add
            (f64x2.mul (local.get $vc) (f64x2.promote_low_f32x4 (local.get $z)))
            (f64x2.mul (local.get $vd) (local.get $tlo)))))
        (local.set $dhi (f64x2.mul (local.get $vlr)
          (f64x2.add
            (f64x2.mul (local.get $vc)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $z) (local.get $z))))
            (f64x2.mul (local.get $vd) (local.get $thi)))))
        (local.set $next (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $tlo) (local.get $dlo)))
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $thi) (local.get $dhi)))))
        (v128.store (local.get $p) (local.get $next))
        ;; f32x4.max returns NaN when either operand is NaN, and +Inf is the largest value.
        (local.set $maxAbs (f32x4.max (local.get $maxAbs) (f32x4.abs (local.get $next))))
        ;; The squared norm in element order: j, j+1 (low half), j+2, j+3 (high half).
        (local.set $dd (f64x2.mul (local.get $dlo) (local.get $dlo)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $dd (f64x2.mul (local.get $dhi) (local.get $dhi)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (local.set $maxAbsScalar
      (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $maxAbs)) (f32x4.extract_lane 1 (local.get $maxAbs)))
        (f32.max (f32x4.extract_lane 2 (local.get $maxAbs)) (f32x4.extract_lane 3 (local.get $maxAbs)))))
    ;; The last n mod 4 elements, one at a time (the same arithmetic).
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $ts (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $ds (f64.mul (local.get $lr)
          (f64.add
            (f64.mul (local.get $c) (f64.promote_f32 (f32.load offset=262144 (local.get $p))))
            (f64.mul (local.get $decay) (local.get $ts)))))
        (local.set $nexts (f32.demote_f64 (f64.sub (local.get $ts) (local.get $ds))))
        (f32.store (local.get $p) (local.get $nexts))
        (local.set $maxAbsScalar (f32.max (local.get $maxAbsScalar) (f32.abs (local.get $nexts))))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $ds) (local.get $ds))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (f64.add (local.get $sq) (f64.mul (f64.promote_f32 (local.get $maxAbsScalar)) (f64.const 0))))
)
