;; HELENE's element-wise loops (helene.ts, helene-common.ts, helene-layerwise.ts) as WebAssembly
;; kernels with 128-bit SIMD, bit for bit. Each function mirrors one JS loop, which stays its definition:
;;   momentumUpdate  helene.ts momentumUpdate (rho = +Infinity) and momentumClippedUpdate
;;   update          helene.ts preconditionedUpdate (rho = +Infinity) and clippedUpdate
;;   elementUpdate   helene-common.ts elementUpdate, with helene-layerwise.ts decay() of m fused in
;;                   (beta1 = 1 when m is not decayed: 1 · m is m exactly)
;;   momentumCurvature  helene.ts momentumAndCurvature (returns the running sum, not the mean)
;;   refreshedSum    helene.ts refreshedSum
;;   momentum, curvatureEma  helene-common.ts momentum and curvatureEma (the variants' step, the
;;                   layerwise block estimate)
;; Every value is computed in float64 with the JS expression's operations in its order (no fused
;; multiply-add; f64x2 add/sub/mul/div/abs are IEEE-exact like the scalar ones) and stored with
;; f32.demote (nearest even, like the typed-array store and Math.fround). Clipping with rho = +Infinity
;; changes nothing, NaN included (both comparisons are false), so one kernel serves both forms (and
;; its vector loop skips the clip then: 0.65 ns/element of ~2.9 on one chunk).
;;   max(h, lambda): helene.ts writes 0.5 (h + lambda + |h − lambda|): computed the same way here.
;;                   helene-common.ts writes h > lambda ? h : lambda: a bitselect on f64x2.gt, the same
;;                   choice for NaN and ±0 (f64x2.max/pmax would differ there).
;;   clip: ratio > rho ? rho : ratio < −rho ? −rho : ratio, both masks from the unclipped ratio.
;; Sums that feed the state or the returned norm run in element order, as scalars (their order fixes
;; their rounding): |update|² (sq), the curvature sums (they set lambda). The JS sums the value of
;; `h[j] = expr`, i.e. expr in float64 before the store rounds it; so do these.
;;
;; Folded finiteness test (helene.ts "folded check"): the JS adds probe · 0 to sq, where probe sums every
;; stored theta and every m and h read; here the largest |value| of the same floats (integer max of the
;; bits with the sign cleared: non-negative floats order like their bits, NaN above Inf) · 0. Both are
;; 0 when every value is finite and NaN otherwise, so the returned number is the same in both cases.
;;
;; Vectorisation: 4 elements an iteration, as two f64x2 halves; the last n mod 4 one at a time.
;; Chunks chain through the sum argument, so a layer split into calls returns the JS loop's sum.
;; Hand-written; assembled by `npm run gen:wasm` (wabt) into helene-update-simd-bytes.ts.
;;
;; Linear memory (bytes): THETA f32[32768] at 0, M at 131072, H at 262144, Z at 393216; 8 pages, fixed.
(module
  (memory (export "memory") 8 8)
  (global (export "thetaPtr") i32 (i32.const 0))
  (global (export "mPtr") i32 (i32.const 131072))
  (global (export "hPtr") i32 (i32.const 262144))
  (global (export "zPtr") i32 (i32.const 393216))
  (global (export "maxElements") i32 (i32.const 32768))

  ;; The largest of four lanes' sign-cleared bits as a float32 (finite iff all four lanes were).
  (func $laneMax (param $bits v128) (result f32)
    (local $a i32) (local $b i32)
    (local.set $a (i32x4.extract_lane 0 (local.get $bits)))
    (local.set $b (i32x4.extract_lane 1 (local.get $bits)))
    (local.set $a (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b))))
    (local.set $b (i32x4.extract_lane 2 (local.get $bits)))
    (local.set $a (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b))))
    (local.set $b (i32x4.extract_lane 3 (local.get $bits)))
    (local.set $a (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b))))
    (f32.reinterpret_i32 (local.get $a)))

  ;; m = beta1 m + g z (stored); theta -= lr (clip(m / (gamma max(h, lambda) + epsDen), ±rho) + decay theta).
  ;; Returns sq + Σ delta² (+ NaN if a stored theta or m, or a read h, is not finite).
  (func (export "momentumUpdate") (param $n i32) (param $beta1 f64) (param $g f64) (param $lambda f64)
      (param $lr f64) (param $gamma f64) (param $epsDen f64) (param $rho f64) (param $decay f64) (param $sq f64)
      (result f64)
    (local $p i32) (local $vecEnd i32) (local $end i32) (local $clip i32)
    (local $vb1 v128) (local $vg v128) (local $vlam v128) (local $vlr v128) (local $vgam v128) (local $veps v128)
    (local $vrho v128) (local $vnrho v128) (local $vd v128) (local $vhalf v128) (local $mask v128) (local $bits v128)
    (local $t v128) (local $m v128) (local $h v128) (local $z v128) (local $next v128) (local $dd v128)
    (local $tlo v128) (local $thi v128) (local $mlo v128) (local $mhi v128) (local $hlo v128) (local $hhi v128)
    (local $rlo v128) (local $rhi v128) (local $dlo v128) (local $dhi v128)
    (local $ts f64) (local $ms f64) (local $hs f64) (local $rs f64) (local $ds f64) (local $mf f32) (local $nf f32)
    (local $maxAbs f32)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then unreachable))
    (local.set $vb1 (f64x2.splat (local.get $beta1)))
    (local.set $vg (f64x2.splat (local.get $g)))
    (local.set $vlam (f64x2.splat (local.get $lambda)))
    (local.set $vlr (f64x2.splat (local.get $lr)))
    (local.set $vgam (f64x2.splat (local.get $gamma)))
    (local.set $veps (f64x2.splat (local.get $epsDen)))
    (local.set $vrho (f64x2.splat (local.get $rho)))
    (local.set $vnrho (f64x2.splat (f64.neg (local.get $rho))))
    ;; Clipping at rho = +Infinity (or NaN) changes no bit: the vector loop then skips it (a branch
    ;; that always goes the same way; the scalar tail always clips).
    (local.set $clip (f64.lt (local.get $rho) (f64.const inf)))
    (local.set $vd (f64x2.splat (local.get $decay)))
    (local.set $vhalf (f64x2.splat (f64.const 0.5)))
    (local.set $mask (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $t (v128.load (local.get $p)))
        (local.set $m (v128.load offset=131072 (local.get $p)))
        (local.set $h (v128.load offset=262144 (local.get $p)))
        (local.set $z (v128.load offset=393216 (local.get $p)))
        ;; m = beta1 m + g z, stored as float32 and read back (the update sees the float32 value)
        (local.set $mlo (f64x2.add
          (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (local.get $m)))
          (f64x2.mul (local.get $vg) (f64x2.promote_low_f32x4 (local.get $z)))))
        (local.set $mhi (f64x2.add
          (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
          (f64x2.mul (local.get $vg) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $z) (local.get $z))))))
        (local.set $m (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (local.get $mlo)) (f32x4.demote_f64x2_zero (local.get $mhi))))
        (v128.store offset=131072 (local.get $p) (local.get $m))
        (local.set $mlo (f64x2.promote_low_f32x4 (local.get $m)))
        (local.set $mhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
        (local.set $hlo (f64x2.promote_low_f32x4 (local.get $h)))
        (local.set $hhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $h) (local.get $h))))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $t)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t))))
        ;; ratio = m / (gamma (0.5 ((h + lambda) + |h − lambda|)) + epsDen)
        (local.set $rlo (f64x2.div (local.get $mlo)
          (f64x2.add
            (f64x2.mul (local.get $vgam) (f64x2.mul (local.get $vhalf)
              (f64x2.add (f64x2.add (local.get $hlo) (local.get $vlam)) (f64x2.abs (f64x2.sub (local.get $hlo) (local.get $vlam))))))
            (local.get $veps))))
        (local.set $rhi (f64x2.div (local.get $mhi)
          (f64x2.add
            (f64x2.mul (local.get $vgam) (f64x2.mul (local.get $vhalf)
              (f64x2.add (f64x2.add (local.get $hhi) (local.get $vlam)) (f64x2.abs (f64x2.sub (local.get $hhi) (local.get $vlam))))))
            (local.get $veps))))
                (if (local.get $clip) (then
          (local.set $rlo (v128.bitselect (local.get $vrho)
            (v128.bitselect (local.get $vnrho) (local.get $rlo) (f64x2.lt (local.get $rlo) (local.get $vnrho)))
            (f64x2.gt (local.get $rlo) (local.get $vrho))))
          (local.set $rhi (v128.bitselect (local.get $vrho)
            (v128.bitselect (local.get $vnrho) (local.get $rhi) (f64x2.lt (local.get $rhi) (local.get $vnrho)))
            (f64x2.gt (local.get $rhi) (local.get $vrho))))))
        ;; delta = lr (ratio + decay theta); theta = f32(theta − delta)
        (local.set $dlo (f64x2.mul (local.get $vlr) (f64x2.add (local.get $rlo) (f64x2.mul (local.get $vd) (local.get $tlo)))))
        (local.set $dhi (f64x2.mul (local.get $vlr) (f64x2.add (local.get $rhi) (f64x2.mul (local.get $vd) (local.get $thi)))))
        (local.set $next (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $tlo) (local.get $dlo)))
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $thi) (local.get $dhi)))))
        (v128.store (local.get $p) (local.get $next))
        (local.set $bits (i32x4.max_u (local.get $bits)
          (i32x4.max_u (v128.and (local.get $next) (local.get $mask))
            (i32x4.max_u (v128.and (local.get $m) (local.get $mask)) (v128.and (local.get $h) (local.get $mask))))))
        ;; |update|² in element order: j, j+1 (low half), j+2, j+3 (high half)
        (local.set $dd (f64x2.mul (local.get $dlo) (local.get $dlo)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $dd (f64x2.mul (local.get $dhi) (local.get $dhi)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (local.set $maxAbs (call $laneMax (local.get $bits)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $mf (f32.demote_f64 (f64.add
          (f64.mul (local.get $beta1) (f64.promote_f32 (f32.load offset=131072 (local.get $p))))
          (f64.mul (local.get $g) (f64.promote_f32 (f32.load offset=393216 (local.get $p)))))))
        (f32.store offset=131072 (local.get $p) (local.get $mf))
        (local.set $ms (f64.promote_f32 (local.get $mf)))
        (local.set $hs (f64.promote_f32 (f32.load offset=262144 (local.get $p))))
        (local.set $ts (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $rs (f64.div (local.get $ms)
          (f64.add
            (f64.mul (local.get $gamma) (f64.mul (f64.const 0.5)
              (f64.add (f64.add (local.get $hs) (local.get $lambda)) (f64.abs (f64.sub (local.get $hs) (local.get $lambda))))))
            (local.get $epsDen))))
        (local.set $rs (select (local.get $rho)
          (select (f64.neg (local.get $rho)) (local.get $rs) (f64.lt (local.get $rs) (f64.neg (local.get $rho))))
          (f64.gt (local.get $rs) (local.get $rho))))
        (local.set $ds (f64.mul (local.get $lr) (f64.add (local.get $rs) (f64.mul (local.get $decay) (local.get $ts)))))
        (local.set $nf (f32.demote_f64 (f64.sub (local.get $ts) (local.get $ds))))
        (f32.store (local.get $p) (local.get $nf))
        (local.set $maxAbs (f32.max (local.get $maxAbs)
          (f32.max (f32.abs (local.get $nf)) (f32.max (f32.abs (local.get $mf)) (f32.abs (f32.load offset=262144 (local.get $p)))))))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $ds) (local.get $ds))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (f64.add (local.get $sq) (f64.mul (f64.promote_f32 (local.get $maxAbs)) (f64.const 0))))

  ;; theta -= lr (clip(m / (gamma max(h, lambda) + epsDen), ±rho) + decay theta) with m as stored.
  ;; Returns sq + Σ delta² (+ NaN if a stored theta, or a read m or h, is not finite).
  (func (export "update") (param $n i32) (param $lambda f64) (param $lr f64) (param $gamma f64)
      (param $epsDen f64) (param $rho f64) (param $decay f64) (param $sq f64)
      (result f64)
    (local $p i32) (local $vecEnd i32) (local $end i32) (local $clip i32)
    (local $vlam v128) (local $vlr v128) (local $vgam v128) (local $veps v128)
    (local $vrho v128) (local $vnrho v128) (local $vd v128) (local $vhalf v128) (local $mask v128) (local $bits v128)
    (local $t v128) (local $m v128) (local $h v128) (local $next v128) (local $dd v128)
    (local $tlo v128) (local $thi v128) (local $mlo v128) (local $mhi v128) (local $hlo v128) (local $hhi v128)
    (local $rlo v128) (local $rhi v128) (local $dlo v128) (local $dhi v128)
    (local $ts f64) (local $ms f64) (local $hs f64) (local $rs f64) (local $ds f64) (local $nf f32)
    (local $maxAbs f32)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then unreachable))
    (local.set $vlam (f64x2.splat (local.get $lambda)))
    (local.set $vlr (f64x2.splat (local.get $lr)))
    (local.set $vgam (f64x2.splat (local.get $gamma)))
    (local.set $veps (f64x2.splat (local.get $epsDen)))
    (local.set $vrho (f64x2.splat (local.get $rho)))
    (local.set $vnrho (f64x2.splat (f64.neg (local.get $rho))))
    ;; Clipping at rho = +Infinity (or NaN) changes no bit: the vector loop then skips it (a branch
    ;; that always goes the same way; the scalar tail always clips).
    (local.set $clip (f64.lt (local.get $rho) (f64.const inf)))
    (local.set $vd (f64x2.splat (local.get $decay)))
    (local.set $vhalf (f64x2.splat (f64.const 0.5)))
    (local.set $mask (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $t (v128.load (local.get $p)))
        (local.set $m (v128.load offset=131072 (local.get $p)))
        (local.set $h (v128.load offset=262144 (local.get $p)))
        (local.set $mlo (f64x2.promote_low_f32x4 (local.get $m)))
        (local.set $mhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
        (local.set $hlo (f64x2.promote_low_f32x4 (local.get $h)))
        (local.set $hhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $h) (local.get $h))))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $t)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t))))
        (local.set $rlo (f64x2.div (local.get $mlo)
          (f64x2.add
            (f64x2.mul (local.get $vgam) (f64x2.mul (local.get $vhalf)
              (f64x2.add (f64x2.add (local.get $hlo) (local.get $vlam)) (f64x2.abs (f64x2.sub (local.get $hlo) (local.get $vlam))))))
            (local.get $veps))))
        (local.set $rhi (f64x2.div (local.get $mhi)
          (f64x2.add
            (f64x2.mul (local.get $vgam) (f64x2.mul (local.get $vhalf)
              (f64x2.add (f64x2.add (local.get $hhi) (local.get $vlam)) (f64x2.abs (f64x2.sub (local.get $hhi) (local.get $vlam))))))
            (local.get $veps))))
        (if (local.get $clip) (then
          (local.set $rlo (v128.bitselect (local.get $vrho)
            (v128.bitselect (local.get $vnrho) (local.get $rlo) (f64x2.lt (local.get $rlo) (local.get $vnrho)))
            (f64x2.gt (local.get $rlo) (local.get $vrho))))
          (local.set $rhi (v128.bitselect (local.get $vrho)
            (v128.bitselect (local.get $vnrho) (local.get $rhi) (f64x2.lt (local.get $rhi) (local.get $vnrho)))
            (f64x2.gt (local.get $rhi) (local.get $vrho))))))
        (local.set $dlo (f64x2.mul (local.get $vlr) (f64x2.add (local.get $rlo) (f64x2.mul (local.get $vd) (local.get $tlo)))))
        (local.set $dhi (f64x2.mul (local.get $vlr) (f64x2.add (local.get $rhi) (f64x2.mul (local.get $vd) (local.get $thi)))))
        (local.set $next (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $tlo) (local.get $dlo)))
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $thi) (local.get $dhi)))))
        (v128.store (local.get $p) (local.get $next))
        (local.set $bits (i32x4.max_u (local.get $bits)
          (i32x4.max_u (v128.and (local.get $next) (local.get $mask))
            (i32x4.max_u (v128.and (local.get $m) (local.get $mask)) (v128.and (local.get $h) (local.get $mask))))))
        (local.set $dd (f64x2.mul (local.get $dlo) (local.get $dlo)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $dd (f64x2.mul (local.get $dhi) (local.get $dhi)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (local.set $maxAbs (call $laneMax (local.get $bits)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $ms (f64.promote_f32 (f32.load offset=131072 (local.get $p))))
        (local.set $hs (f64.promote_f32 (f32.load offset=262144 (local.get $p))))
        (local.set $ts (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $rs (f64.div (local.get $ms)
          (f64.add
            (f64.mul (local.get $gamma) (f64.mul (f64.const 0.5)
              (f64.add (f64.add (local.get $hs) (local.get $lambda)) (f64.abs (f64.sub (local.get $hs) (local.get $lambda))))))
            (local.get $epsDen))))
        (local.set $rs (select (local.get $rho)
          (select (f64.neg (local.get $rho)) (local.get $rs) (f64.lt (local.get $rs) (f64.neg (local.get $rho))))
          (f64.gt (local.get $rs) (local.get $rho))))
        (local.set $ds (f64.mul (local.get $lr) (f64.add (local.get $rs) (f64.mul (local.get $decay) (local.get $ts)))))
        (local.set $nf (f32.demote_f64 (f64.sub (local.get $ts) (local.get $ds))))
        (f32.store (local.get $p) (local.get $nf))
        (local.set $maxAbs (f32.max (local.get $maxAbs)
          (f32.max (f32.abs (local.get $nf))
            (f32.max (f32.abs (f32.load offset=131072 (local.get $p))) (f32.abs (f32.load offset=262144 (local.get $p)))))))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $ds) (local.get $ds))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (f64.add (local.get $sq) (f64.mul (f64.promote_f32 (local.get $maxAbs)) (f64.const 0))))

  ;; m = f32(beta1 m) (stored; beta1 = 1 leaves it as it is); theta -= lr (clip(m / (scale
  ;; (h > lambda ? h : lambda) + epsDen), ±rho) + decay theta). Returns sq + Σ delta² (+ NaN if a stored
  ;; theta, an m used, or a read h is not finite).
  (func (export "elementUpdate") (param $n i32) (param $beta1 f64) (param $lambda f64) (param $lr f64)
      (param $scale f64) (param $epsDen f64) (param $rho f64) (param $decay f64) (param $sq f64)
      (result f64)
    (local $p i32) (local $vecEnd i32) (local $end i32) (local $clip i32)
    (local $vb1 v128) (local $vlam v128) (local $vlr v128) (local $vscale v128) (local $veps v128)
    (local $vrho v128) (local $vnrho v128) (local $vd v128) (local $mask v128) (local $bits v128)
    (local $t v128) (local $m v128) (local $h v128) (local $next v128) (local $dd v128)
    (local $tlo v128) (local $thi v128) (local $mlo v128) (local $mhi v128) (local $hlo v128) (local $hhi v128)
    (local $rlo v128) (local $rhi v128) (local $dlo v128) (local $dhi v128)
    (local $ts f64) (local $ms f64) (local $hs f64) (local $rs f64) (local $ds f64) (local $mf f32) (local $nf f32)
    (local $maxAbs f32)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then unreachable))
    (local.set $vb1 (f64x2.splat (local.get $beta1)))
    (local.set $vlam (f64x2.splat (local.get $lambda)))
    (local.set $vlr (f64x2.splat (local.get $lr)))
    (local.set $vscale (f64x2.splat (local.get $scale)))
    (local.set $veps (f64x2.splat (local.get $epsDen)))
    (local.set $vrho (f64x2.splat (local.get $rho)))
    (local.set $vnrho (f64x2.splat (f64.neg (local.get $rho))))
    ;; Clipping at rho = +Infinity (or NaN) changes no bit: the vector loop then skips it (a branch
    ;; that always goes the same way; the scalar tail always clips).
    (local.set $clip (f64.lt (local.get $rho) (f64.const inf)))
    (local.set $vd (f64x2.splat (local.get $decay)))
    (local.set $mask (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $t (v128.load (local.get $p)))
        (local.set $m (v128.load offset=131072 (local.get $p)))
        (local.set $h (v128.load offset=262144 (local.get $p)))
        ;; m *= beta1 (helene-layerwise.ts decay), stored and read back as float32
        (local.set $m (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $m)) (local.get $vb1)))
          (f32x4.demote_f64x2_zero (f64x2.mul
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m)))
            (local.get $vb1)))))
        (v128.store offset=131072 (local.get $p) (local.get $m))
        (local.set $mlo (f64x2.promote_low_f32x4 (local.get $m)))
        (local.set $mhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
        (local.set $hlo (f64x2.promote_low_f32x4 (local.get $h)))
        (local.set $hhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $h) (local.get $h))))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $t)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t) (local.get $t))))
        ;; ratio = m / (scale (h > lambda ? h : lambda) + epsDen)
        (local.set $rlo (f64x2.div (local.get $mlo)
          (f64x2.add
            (f64x2.mul (local.get $vscale)
              (v128.bitselect (local.get $hlo) (local.get $vlam) (f64x2.gt (local.get $hlo) (local.get $vlam))))
            (local.get $veps))))
        (local.set $rhi (f64x2.div (local.get $mhi)
          (f64x2.add
            (f64x2.mul (local.get $vscale)
              (v128.bitselect (local.get $hhi) (local.get $vlam) (f64x2.gt (local.get $hhi) (local.get $vlam))))
            (local.get $veps))))
        (if (local.get $clip) (then
          (local.set $rlo (v128.bitselect (local.get $vrho)
            (v128.bitselect (local.get $vnrho) (local.get $rlo) (f64x2.lt (local.get $rlo) (local.get $vnrho)))
            (f64x2.gt (local.get $rlo) (local.get $vrho))))
          (local.set $rhi (v128.bitselect (local.get $vrho)
            (v128.bitselect (local.get $vnrho) (local.get $rhi) (f64x2.lt (local.get $rhi) (local.get $vnrho)))
            (f64x2.gt (local.get $rhi) (local.get $vrho))))))
        (local.set $dlo (f64x2.mul (local.get $vlr) (f64x2.add (local.get $rlo) (f64x2.mul (local.get $vd) (local.get $tlo)))))
        (local.set $dhi (f64x2.mul (local.get $vlr) (f64x2.add (local.get $rhi) (f64x2.mul (local.get $vd) (local.get $thi)))))
        (local.set $next (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $tlo) (local.get $dlo)))
          (f32x4.demote_f64x2_zero (f64x2.sub (local.get $thi) (local.get $dhi)))))
        (v128.store (local.get $p) (local.get $next))
        (local.set $bits (i32x4.max_u (local.get $bits)
          (i32x4.max_u (v128.and (local.get $next) (local.get $mask))
            (i32x4.max_u (v128.and (local.get $m) (local.get $mask)) (v128.and (local.get $h) (local.get $mask))))))
        (local.set $dd (f64x2.mul (local.get $dlo) (local.get $dlo)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $dd (f64x2.mul (local.get $dhi) (local.get $dhi)))
        (local.set $sq (f64.add (f64.add (local.get $sq) (f64x2.extract_lane 0 (local.get $dd))) (f64x2.extract_lane 1 (local.get $dd))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (local.set $maxAbs (call $laneMax (local.get $bits)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $mf (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load offset=131072 (local.get $p))) (local.get $beta1))))
        (f32.store offset=131072 (local.get $p) (local.get $mf))
        (local.set $ms (f64.promote_f32 (local.get $mf)))
        (local.set $hs (f64.promote_f32 (f32.load offset=262144 (local.get $p))))
        (local.set $ts (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $rs (f64.div (local.get $ms)
          (f64.add
            (f64.mul (local.get $scale) (select (local.get $hs) (local.get $lambda) (f64.gt (local.get $hs) (local.get $lambda))))
            (local.get $epsDen))))
        (local.set $rs (select (local.get $rho)
          (select (f64.neg (local.get $rho)) (local.get $rs) (f64.lt (local.get $rs) (f64.neg (local.get $rho))))
          (f64.gt (local.get $rs) (local.get $rho))))
        (local.set $ds (f64.mul (local.get $lr) (f64.add (local.get $rs) (f64.mul (local.get $decay) (local.get $ts)))))
        (local.set $nf (f32.demote_f64 (f64.sub (local.get $ts) (local.get $ds))))
        (f32.store (local.get $p) (local.get $nf))
        (local.set $maxAbs (f32.max (local.get $maxAbs)
          (f32.max (f32.abs (local.get $nf)) (f32.max (f32.abs (local.get $mf)) (f32.abs (f32.load offset=262144 (local.get $p)))))))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $ds) (local.get $ds))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (f64.add (local.get $sq) (f64.mul (f64.promote_f32 (local.get $maxAbs)) (f64.const 0))))

  ;; m = beta1 m + g z and h = beta2 h + s z z (both stored); returns hSum + Σ (beta2 h + s z z), each
  ;; term in float64 before the store rounds it (the JS sums the value of the assignment).
  (func (export "momentumCurvature") (param $n i32) (param $beta1 f64) (param $g f64) (param $beta2 f64)
      (param $s f64) (param $hSum f64)
      (result f64)
    (local $p i32) (local $vecEnd i32) (local $end i32)
    (local $vb1 v128) (local $vg v128) (local $vb2 v128) (local $vs v128)
    (local $m v128) (local $h v128) (local $z v128) (local $zlo v128) (local $zhi v128) (local $hlo v128) (local $hhi v128)
    (local $zs f64) (local $hs f64)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then unreachable))
    (local.set $vb1 (f64x2.splat (local.get $beta1)))
    (local.set $vg (f64x2.splat (local.get $g)))
    (local.set $vb2 (f64x2.splat (local.get $beta2)))
    (local.set $vs (f64x2.splat (local.get $s)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $m (v128.load offset=131072 (local.get $p)))
        (local.set $h (v128.load offset=262144 (local.get $p)))
        (local.set $z (v128.load offset=393216 (local.get $p)))
        (local.set $zlo (f64x2.promote_low_f32x4 (local.get $z)))
        (local.set $zhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $z) (local.get $z))))
        (v128.store offset=131072 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.add
            (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (local.get $m)))
            (f64x2.mul (local.get $vg) (local.get $zlo))))
          (f32x4.demote_f64x2_zero (f64x2.add
            (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
            (f64x2.mul (local.get $vg) (local.get $zhi))))))
        ;; h = beta2 h + (s z) z
        (local.set $hlo (f64x2.add
          (f64x2.mul (local.get $vb2) (f64x2.promote_low_f32x4 (local.get $h)))
          (f64x2.mul (f64x2.mul (local.get $vs) (local.get $zlo)) (local.get $zlo))))
        (local.set $hhi (f64x2.add
          (f64x2.mul (local.get $vb2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $h) (local.get $h))))
          (f64x2.mul (f64x2.mul (local.get $vs) (local.get $zhi)) (local.get $zhi))))
        (v128.store offset=262144 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (local.get $hlo)) (f32x4.demote_f64x2_zero (local.get $hhi))))
        (local.set $hSum (f64.add (f64.add (local.get $hSum) (f64x2.extract_lane 0 (local.get $hlo))) (f64x2.extract_lane 1 (local.get $hlo))))
        (local.set $hSum (f64.add (f64.add (local.get $hSum) (f64x2.extract_lane 0 (local.get $hhi))) (f64x2.extract_lane 1 (local.get $hhi))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $zs (f64.promote_f32 (f32.load offset=393216 (local.get $p))))
        (f32.store offset=131072 (local.get $p) (f32.demote_f64 (f64.add
          (f64.mul (local.get $beta1) (f64.promote_f32 (f32.load offset=131072 (local.get $p))))
          (f64.mul (local.get $g) (local.get $zs)))))
        (local.set $hs (f64.add
          (f64.mul (local.get $beta2) (f64.promote_f32 (f32.load offset=262144 (local.get $p))))
          (f64.mul (f64.mul (local.get $s) (local.get $zs)) (local.get $zs))))
        (f32.store offset=262144 (local.get $p) (f32.demote_f64 (local.get $hs)))
        (local.set $hSum (f64.add (local.get $hSum) (local.get $hs)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (local.get $hSum))

  ;; sum + Σ (beta2 h + s z z) in element order, nothing stored (lambda before a chunked refresh).
  (func (export "refreshedSum") (param $n i32) (param $beta2 f64) (param $s f64) (param $sum f64)
      (result f64)
    (local $p i32) (local $vecEnd i32) (local $end i32)
    (local $vb2 v128) (local $vs v128)
    (local $h v128) (local $z v128) (local $zlo v128) (local $zhi v128) (local $hlo v128) (local $hhi v128)
    (local $zs f64)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then unreachable))
    (local.set $vb2 (f64x2.splat (local.get $beta2)))
    (local.set $vs (f64x2.splat (local.get $s)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $h (v128.load offset=262144 (local.get $p)))
        (local.set $z (v128.load offset=393216 (local.get $p)))
        (local.set $zlo (f64x2.promote_low_f32x4 (local.get $z)))
        (local.set $zhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $z) (local.get $z))))
        (local.set $hlo (f64x2.add
          (f64x2.mul (local.get $vb2) (f64x2.promote_low_f32x4 (local.get $h)))
          (f64x2.mul (f64x2.mul (local.get $vs) (local.get $zlo)) (local.get $zlo))))
        (local.set $hhi (f64x2.add
          (f64x2.mul (local.get $vb2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $h) (local.get $h))))
          (f64x2.mul (f64x2.mul (local.get $vs) (local.get $zhi)) (local.get $zhi))))
        (local.set $sum (f64.add (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $hlo))) (f64x2.extract_lane 1 (local.get $hlo))))
        (local.set $sum (f64.add (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $hhi))) (f64x2.extract_lane 1 (local.get $hhi))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $zs (f64.promote_f32 (f32.load offset=393216 (local.get $p))))
        (local.set $sum (f64.add (local.get $sum) (f64.add
          (f64.mul (local.get $beta2) (f64.promote_f32 (f32.load offset=262144 (local.get $p))))
          (f64.mul (f64.mul (local.get $s) (local.get $zs)) (local.get $zs)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (local.get $sum))

  ;; m = beta1 m + g z (helene-common.ts momentum).
  (func (export "momentum") (param $n i32) (param $beta1 f64) (param $g f64)
    (local $p i32) (local $vecEnd i32) (local $end i32)
    (local $vb1 v128) (local $vg v128) (local $m v128) (local $z v128)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then unreachable))
    (local.set $vb1 (f64x2.splat (local.get $beta1)))
    (local.set $vg (f64x2.splat (local.get $g)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $m (v128.load offset=131072 (local.get $p)))
        (local.set $z (v128.load offset=393216 (local.get $p)))
        (v128.store offset=131072 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.add
            (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (local.get $m)))
            (f64x2.mul (local.get $vg) (f64x2.promote_low_f32x4 (local.get $z)))))
          (f32x4.demote_f64x2_zero (f64x2.add
            (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
            (f64x2.mul (local.get $vg) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $z) (local.get $z))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (f32.store offset=131072 (local.get $p) (f32.demote_f64 (f64.add
          (f64.mul (local.get $beta1) (f64.promote_f32 (f32.load offset=131072 (local.get $p))))
          (f64.mul (local.get $g) (f64.promote_f32 (f32.load offset=393216 (local.get $p)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail))))

  ;; h = beta2 h + (s z) z (stored); returns sum + Σ of the new h before the store rounds them
  ;; (helene-common.ts curvatureEma sums the value of the assignment).
  (func (export "curvatureEma") (param $n i32) (param $beta2 f64) (param $s f64) (param $sum f64)
      (result f64)
    (local $p i32) (local $vecEnd i32) (local $end i32)
    (local $vb2 v128) (local $vs v128)
    (local $h v128) (local $z v128) (local $zlo v128) (local $zhi v128) (local $hlo v128) (local $hhi v128)
    (local $zs f64) (local $hs f64)
    (if (i32.gt_u (local.get $n) (i32.const 32768)) (then unreachable))
    (local.set $vb2 (f64x2.splat (local.get $beta2)))
    (local.set $vs (f64x2.splat (local.get $s)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (local.set $h (v128.load offset=262144 (local.get $p)))
        (local.set $z (v128.load offset=393216 (local.get $p)))
        (local.set $zlo (f64x2.promote_low_f32x4 (local.get $z)))
        (local.set $zhi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $z) (local.get $z))))
        (local.set $hlo (f64x2.add
          (f64x2.mul (local.get $vb2) (f64x2.promote_low_f32x4 (local.get $h)))
          (f64x2.mul (f64x2.mul (local.get $vs) (local.get $zlo)) (local.get $zlo))))
        (local.set $hhi (f64x2.add
          (f64x2.mul (local.get $vb2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $h) (local.get $h))))
          (f64x2.mul (f64x2.mul (local.get $vs) (local.get $zhi)) (local.get $zhi))))
        (v128.store offset=262144 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (local.get $hlo)) (f32x4.demote_f64x2_zero (local.get $hhi))))
        (local.set $sum (f64.add (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $hlo))) (f64x2.extract_lane 1 (local.get $hlo))))
        (local.set $sum (f64.add (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $hhi))) (f64x2.extract_lane 1 (local.get $hhi))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $zs (f64.promote_f32 (f32.load offset=393216 (local.get $p))))
        (local.set $hs (f64.add
          (f64.mul (local.get $beta2) (f64.promote_f32 (f32.load offset=262144 (local.get $p))))
          (f64.mul (f64.mul (local.get $s) (local.get $zs)) (local.get $zs))))
        (f32.store offset=262144 (local.get $p) (f32.demote_f64 (local.get $hs)))
        (local.set $sum (f64.add (local.get $sum) (local.get $hs)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (local.get $sum))
)
