;; The host perturbation (host-perturbation.ts perturbInto) as a WebAssembly kernel with 128-bit SIMD:
;;   OUT[j] = THETA[j] + Z[j] * s        in float32: f32x4.mul and f32x4.add round to nearest-even
;; like the graph's float32 Mul and Add, and like the JS loop's fround(theta + fround(z * s)) (a
;; float32 product is exact in float64; rounding a float64 sum of two float32 values to float32 is
;; the correctly rounded float32 sum), so every bit is the same. No fused multiply-add.
;; Hand-written; assembled by `npm run gen:wasm` (wabt) into perturb-simd-bytes.ts
;; (test/unit/wasm-kernels.test.ts checks that the two never drift apart).
;;
;; Linear memory (bytes): THETA f32[65536] at 0, Z f32[65536] at 262144, OUT f32[65536] at 524288;
;; 12 pages, fixed.
(module
  (memory (export "memory") 12 12)
  (global (export "thetaPtr") i32 (i32.const 0))
  (global (export "zPtr") i32 (i32.const 262144))
  (global (export "outPtr") i32 (i32.const 524288))
  (global (export "maxElements") i32 (i32.const 65536))

  (func (export "perturb") (param $n i32) (param $s f32)
    (local $p i32) (local $end i32) (local $vecEnd i32) (local $vs v128)
    (if (i32.gt_u (local.get $n) (i32.const 65536)) (then unreachable))
    (local.set $vs (f32x4.splat (local.get $s)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $p) (local.get $vecEnd)))
        (v128.store offset=524288 (local.get $p)
          (f32x4.add (v128.load (local.get $p))
            (f32x4.mul (v128.load offset=262144 (local.get $p)) (local.get $vs))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vectors)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $end)))
        (f32.store offset=524288 (local.get $p)
          (f32.add (f32.load (local.get $p))
            (f32.mul (f32.load offset=262144 (local.get $p)) (local.get $s))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))))
