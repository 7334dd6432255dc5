;; The fast path of z (normal.ts) as a WebAssembly kernel with 128-bit SIMD.
;;
;; Hand-written; assembled by `npm run gen:wasm` (wabt) into normal-simd-bytes.ts, which is what the
;; runtime loads (test/unit/wasm-kernels.test.ts checks that the two never drift apart).
;;
;; fillPairs(key0, key1, pair0, pairs) computes element pairs i = pair0 .. pair0 + pairs - 1, i.e. the
;; elements j = 2 pair0 .. 2 (pair0 + pairs) - 1 of a layer, into OUT[0 .. 2 pairs). It is the same
;; arithmetic as normalBlock in normal.ts, bit for bit:
;;   (w0, w1) = Threefry-2x32-13 of counter (i, 0) under (key0, key1); element 2i takes w0, 2i+1 w1;
;;   layer = w & 127, sign = bit 7, u = w >>> 8 (24 bits);
;;   fast path when u < KN[layer]: x = u * WN[layer] in float64, negated when the sign bit is set,
;;   rounded to float32 (f32.demote rounds to nearest-even, as a store into a Float32Array does).
;; A miss (u >= KN[layer], ~2.75% of elements: layer 1 always misses) is not finished here: its
;; position in OUT and its proposal word go to the miss lists, and the JS slow path (normal.ts
;; finishElement) computes it. The function returns the number of misses.
;;
;; Vectorisation: two independent i32x4 Threefry computations, their rounds interleaved, hash 8
;; counters (16 elements) per iteration; one alone left the core waiting on its dependent rounds (the
;; interleaved pair measured 9% faster for the whole call). The ziggurat tables are gathered lane by
;; lane (WebAssembly has no gather), the multiply runs as two f64x2, and 4 values are stored at once.
;; A table index is read back from WORDS as a byte (a load) rather than extracted from its lane (two
;; shuffle-port instructions on x64). The hot loop has no call and no branch on the data: around a
;; (rarely taken) call in the loop, V8 spilled the live vector registers to the stack in every
;; iteration. Instead each iteration stores its 16 proposal words (WORDS) and, per 8 elements, one
;; byte whose bits say which of them took the fast path (MASK); a second, short loop turns the few
;; incomplete bytes into the miss lists. The last iteration may compute up to 14 elements past the
;; requested end: they stay in the unused rest of OUT and WORDS (positions stay below 32768), and
;; their misses are not recorded.
;;
;; Linear memory (bytes); the exported globals tell JS where things are:
;;        0  THRESHOLD i32[256]  ceil(KN[b & 127]) for the low byte b of a word (u < KN <=> u < ceil(KN)
;;                                for an integer u, so the acceptance test is an exact integer compare)
;;     1024  WN_SIGNED f64[256]  WN[b & 127], negated when bit 7 of b is set (u * -WN == -(u * WN)
;;                                exactly: IEEE rounding is symmetric), so the sign costs nothing
;;     3072  KEYS      7 x v128     the broadcast key schedule of this call and the counter step
;;     4096  OUT       f32[32768]
;;   135168  WORDS     i32[32768]   each element's proposal word
;;   266240  MASK      u8[4096]     bit k of byte i: element 8i + k took the fast path
;;   270336  MISS_POS  i32[32768]   position in OUT of each miss
;;   401408  MISS_WORD i32[32768]   its proposal word
;;   532480  end (9 pages = 589824 bytes)
;; JS writes both tables once after instantiation (from ziggurat-tables.ts, so there is one source).
(module
  ;; Fixed size (minimum = maximum): the memory never grows, so JS views of it stay valid.
  (memory (export "memory") 9 9)
  (global (export "thresholdPtr") i32 (i32.const 0))
  (global (export "wnSignedPtr") i32 (i32.const 1024))
  (global (export "outPtr") i32 (i32.const 4096))
  (global (export "missPosPtr") i32 (i32.const 270336))
  (global (export "missWordPtr") i32 (i32.const 401408))
  ;; Pairs per call: 32768 elements, the size of OUT, WORDS and the miss lists.
  (global (export "maxPairs") i32 (i32.const 16384))

  (func (export "fillPairs") (param $key0 i32) (param $key1 i32) (param $pair0 i32) (param $pairs i32)
      (result i32)
    (local $k2 i32)
    (local $ctr v128) (local $x0 v128) (local $x1 v128) (local $ctr2 v128) (local $y0 v128) (local $y1 v128)
    (local $w v128) (local $u v128) (local $t v128) (local $acc v128)
    (local $wlo v128) (local $whi v128) (local $lo v128) (local $hi v128)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $pos i32) (local $p4 i32) (local $limit i32) (local $misses i32)
    (local $mask i32) (local $lane i32) (local $p i32)
    (if (i32.gt_u (local.get $pairs) (i32.const 16384)) (then unreachable))
    ;; Key schedule (threefry.ts): k2 = parity ^ k0 ^ k1; the injections' round numbers folded in.
    (local.set $k2 (i32.xor (i32.xor (i32.const 0x1bd11bda) (local.get $key0)) (local.get $key1)))
    ;; Broadcast keys and constants go to KEYS, and the loop reads them as memory operands: kept in
    ;; registers, V8 re-broadcast them from scalars in every iteration (shuffle-port work).
    (v128.store offset=3072 (i32.const 0) (i32x4.splat (local.get $key0)))
    (v128.store offset=3088 (i32.const 0) (i32x4.splat (local.get $key1)))
    (v128.store offset=3104 (i32.const 0) (i32x4.splat (local.get $k2)))
    (v128.store offset=3120 (i32.const 0) (i32x4.splat (i32.add (local.get $k2) (i32.const 1))))
    (v128.store offset=3136 (i32.const 0) (i32x4.splat (i32.add (local.get $key0) (i32.const 2))))
    (v128.store offset=3152 (i32.const 0) (i32x4.splat (i32.add (local.get $key1) (i32.const 3))))
    (v128.store offset=3168 (i32.const 0) (v128.const i32x4 8 8 8 8))
    (local.set $ctr (i32x4.add (i32x4.splat (local.get $pair0)) (v128.const i32x4 0 1 2 3)))
    (local.set $ctr2 (i32x4.add (local.get $ctr) (v128.const i32x4 4 4 4 4)))
    (local.set $limit (i32.shl (local.get $pairs) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $pos) (local.get $limit)))
        ;; Threefry-2x32-13 of counters (ctr, 0) and (ctr2, 0) = (ctr + 4, 0), four at a time each:
        ;; rotations 13 15 26 6 | 17 29 16 24. Each $y line repeats the $x line above it.
        (local.set $x0 (i32x4.add (local.get $ctr) (v128.load offset=3072 (i32.const 0))))
        (local.set $y0 (i32x4.add (local.get $ctr2) (v128.load offset=3072 (i32.const 0))))
        (local.set $x1 (v128.load offset=3088 (i32.const 0)))
        (local.set $y1 (v128.load offset=3088 (i32.const 0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 13)) (i32x4.shr_u (local.get $x1) (i32.const 19))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 13)) (i32x4.shr_u (local.get $y1) (i32.const 19))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 15)) (i32x4.shr_u (local.get $x1) (i32.const 17))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 15)) (i32x4.shr_u (local.get $y1) (i32.const 17))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 26)) (i32x4.shr_u (local.get $x1) (i32.const 6))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 26)) (i32x4.shr_u (local.get $y1) (i32.const 6))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 6)) (i32x4.shr_u (local.get $x1) (i32.const 26))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 6)) (i32x4.shr_u (local.get $y1) (i32.const 26))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (v128.load offset=3088 (i32.const 0))))
        (local.set $y0 (i32x4.add (local.get $y0) (v128.load offset=3088 (i32.const 0))))
        (local.set $x1 (i32x4.add (local.get $x1) (v128.load offset=3120 (i32.const 0))))
        (local.set $y1 (i32x4.add (local.get $y1) (v128.load offset=3120 (i32.const 0))))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 17)) (i32x4.shr_u (local.get $x1) (i32.const 15))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 17)) (i32x4.shr_u (local.get $y1) (i32.const 15))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 29)) (i32x4.shr_u (local.get $x1) (i32.const 3))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 29)) (i32x4.shr_u (local.get $y1) (i32.const 3))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 16)) (i32x4.shr_u (local.get $x1) (i32.const 16))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 16)) (i32x4.shr_u (local.get $y1) (i32.const 16))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 24)) (i32x4.shr_u (local.get $x1) (i32.const 8))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 24)) (i32x4.shr_u (local.get $y1) (i32.const 8))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (v128.load offset=3104 (i32.const 0))))
        (local.set $y0 (i32x4.add (local.get $y0) (v128.load offset=3104 (i32.const 0))))
        (local.set $x1 (i32x4.add (local.get $x1) (v128.load offset=3136 (i32.const 0))))
        (local.set $y1 (i32x4.add (local.get $y1) (v128.load offset=3136 (i32.const 0))))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 13)) (i32x4.shr_u (local.get $x1) (i32.const 19))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 13)) (i32x4.shr_u (local.get $y1) (i32.const 19))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 15)) (i32x4.shr_u (local.get $x1) (i32.const 17))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 15)) (i32x4.shr_u (local.get $y1) (i32.const 17))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 26)) (i32x4.shr_u (local.get $x1) (i32.const 6))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 26)) (i32x4.shr_u (local.get $y1) (i32.const 6))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 6)) (i32x4.shr_u (local.get $x1) (i32.const 26))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 6)) (i32x4.shr_u (local.get $y1) (i32.const 26))) (local.get $y0)))
        (local.set $x0 (i32x4.add (local.get $x0) (v128.load offset=3072 (i32.const 0))))
        (local.set $y0 (i32x4.add (local.get $y0) (v128.load offset=3072 (i32.const 0))))
        (local.set $x1 (i32x4.add (local.get $x1) (v128.load offset=3152 (i32.const 0))))
        (local.set $y1 (i32x4.add (local.get $y1) (v128.load offset=3152 (i32.const 0))))
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $x1)))
        (local.set $y0 (i32x4.add (local.get $y0) (local.get $y1)))
        (local.set $x1 (v128.xor (v128.or (i32x4.shl (local.get $x1) (i32.const 17)) (i32x4.shr_u (local.get $x1) (i32.const 15))) (local.get $x0)))
        (local.set $y1 (v128.xor (v128.or (i32x4.shl (local.get $y1) (i32.const 17)) (i32x4.shr_u (local.get $y1) (i32.const 15))) (local.get $y0)))

        ;; Elements in order: (w0[0], w1[0], w0[1], w1[1]) at pos, (w0[2], w1[2], w0[3], w1[3]) at pos + 4.
        (local.set $w (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))
        (local.set $x1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))
        (local.set $p4 (i32.shl (local.get $pos) (i32.const 2)))

        ;; ---- elements pos .. pos + 3 (words in $w) ----
        (v128.store offset=135168 (local.get $p4) (local.get $w))
        (local.set $u (i32x4.shr_u (local.get $w) (i32.const 8)))
        ;; The low byte of each word (layer and sign) read back from WORDS: a load instead of a lane extract.
        (local.set $a0 (i32.load8_u offset=135168 (local.get $p4)))
        (local.set $a1 (i32.load8_u offset=135172 (local.get $p4)))
        (local.set $a2 (i32.load8_u offset=135176 (local.get $p4)))
        (local.set $a3 (i32.load8_u offset=135180 (local.get $p4)))
        (local.set $t (v128.load32_zero (i32.shl (local.get $a0) (i32.const 2))))
        (local.set $t (v128.load32_lane 1 (i32.shl (local.get $a1) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 2 (i32.shl (local.get $a2) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 3 (i32.shl (local.get $a3) (i32.const 2)) (local.get $t)))
        (local.set $wlo (v128.load64_zero offset=1024 (i32.shl (local.get $a0) (i32.const 3))))
        (local.set $wlo (v128.load64_lane offset=1024 1 (i32.shl (local.get $a1) (i32.const 3)) (local.get $wlo)))
        (local.set $whi (v128.load64_zero offset=1024 (i32.shl (local.get $a2) (i32.const 3))))
        (local.set $whi (v128.load64_lane offset=1024 1 (i32.shl (local.get $a3) (i32.const 3)) (local.get $whi)))
        ;; u < 2^24, so the signed conversion (one instruction on x64) is exact.
        (local.set $lo (f32x4.demote_f64x2_zero
          (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $u)) (local.get $wlo))))
        (local.set $hi (f32x4.demote_f64x2_zero
          (f64x2.mul
            (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $u) (local.get $u)))
            (local.get $whi))))
        (v128.store offset=4096 (local.get $p4)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
        (local.set $acc (i32x4.lt_s (local.get $u) (local.get $t)))

        ;; ---- elements pos + 4 .. pos + 7 (words in $x1): the same code ----
        (v128.store offset=135184 (local.get $p4) (local.get $x1))
        (local.set $u (i32x4.shr_u (local.get $x1) (i32.const 8)))
        ;; The low byte of each word (layer and sign) read back from WORDS: a load instead of a lane extract.
        (local.set $a0 (i32.load8_u offset=135184 (local.get $p4)))
        (local.set $a1 (i32.load8_u offset=135188 (local.get $p4)))
        (local.set $a2 (i32.load8_u offset=135192 (local.get $p4)))
        (local.set $a3 (i32.load8_u offset=135196 (local.get $p4)))
        (local.set $t (v128.load32_zero (i32.shl (local.get $a0) (i32.const 2))))
        (local.set $t (v128.load32_lane 1 (i32.shl (local.get $a1) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 2 (i32.shl (local.get $a2) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 3 (i32.shl (local.get $a3) (i32.const 2)) (local.get $t)))
        (local.set $wlo (v128.load64_zero offset=1024 (i32.shl (local.get $a0) (i32.const 3))))
        (local.set $wlo (v128.load64_lane offset=1024 1 (i32.shl (local.get $a1) (i32.const 3)) (local.get $wlo)))
        (local.set $whi (v128.load64_zero offset=1024 (i32.shl (local.get $a2) (i32.const 3))))
        (local.set $whi (v128.load64_lane offset=1024 1 (i32.shl (local.get $a3) (i32.const 3)) (local.get $whi)))
        ;; u < 2^24, so the signed conversion (one instruction on x64) is exact.
        (local.set $lo (f32x4.demote_f64x2_zero
          (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $u)) (local.get $wlo))))
        (local.set $hi (f32x4.demote_f64x2_zero
          (f64x2.mul
            (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $u) (local.get $u)))
            (local.get $whi))))
        (v128.store offset=4112 (local.get $p4)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
        (i32.store8 offset=266240 (i32.shr_u (local.get $pos) (i32.const 3))
          (i32.or (i32x4.bitmask (local.get $acc))
                  (i32.shl (i32x4.bitmask (i32x4.lt_s (local.get $u) (local.get $t))) (i32.const 4))))

        ;; The second hash: elements pos + 8 .. pos + 15, the same code with offsets + 32 bytes.
        (local.set $w (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $y0) (local.get $y1)))
        (local.set $y1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $y0) (local.get $y1)))

        ;; ---- elements pos + 8 .. pos + 11 (words in $w) ----
        (v128.store offset=135200 (local.get $p4) (local.get $w))
        (local.set $u (i32x4.shr_u (local.get $w) (i32.const 8)))
        ;; The low byte of each word (layer and sign) read back from WORDS: a load instead of a lane extract.
        (local.set $a0 (i32.load8_u offset=135200 (local.get $p4)))
        (local.set $a1 (i32.load8_u offset=135204 (local.get $p4)))
        (local.set $a2 (i32.load8_u offset=135208 (local.get $p4)))
        (local.set $a3 (i32.load8_u offset=135212 (local.get $p4)))
        (local.set $t (v128.load32_zero (i32.shl (local.get $a0) (i32.const 2))))
        (local.set $t (v128.load32_lane 1 (i32.shl (local.get $a1) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 2 (i32.shl (local.get $a2) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 3 (i32.shl (local.get $a3) (i32.const 2)) (local.get $t)))
        (local.set $wlo (v128.load64_zero offset=1024 (i32.shl (local.get $a0) (i32.const 3))))
        (local.set $wlo (v128.load64_lane offset=1024 1 (i32.shl (local.get $a1) (i32.const 3)) (local.get $wlo)))
        (local.set $whi (v128.load64_zero offset=1024 (i32.shl (local.get $a2) (i32.const 3))))
        (local.set $whi (v128.load64_lane offset=1024 1 (i32.shl (local.get $a3) (i32.const 3)) (local.get $whi)))
        ;; u < 2^24, so the signed conversion (one instruction on x64) is exact.
        (local.set $lo (f32x4.demote_f64x2_zero
          (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $u)) (local.get $wlo))))
        (local.set $hi (f32x4.demote_f64x2_zero
          (f64x2.mul
            (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $u) (local.get $u)))
            (local.get $whi))))
        (v128.store offset=4128 (local.get $p4)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
        (local.set $acc (i32x4.lt_s (local.get $u) (local.get $t)))

        ;; ---- elements pos + 12 .. pos + 15 (words in $y1) ----
        (v128.store offset=135216 (local.get $p4) (local.get $y1))
        (local.set $u (i32x4.shr_u (local.get $y1) (i32.const 8)))
        ;; The low byte of each word (layer and sign) read back from WORDS: a load instead of a lane extract.
        (local.set $a0 (i32.load8_u offset=135216 (local.get $p4)))
        (local.set $a1 (i32.load8_u offset=135220 (local.get $p4)))
        (local.set $a2 (i32.load8_u offset=135224 (local.get $p4)))
        (local.set $a3 (i32.load8_u offset=135228 (local.get $p4)))
        (local.set $t (v128.load32_zero (i32.shl (local.get $a0) (i32.const 2))))
        (local.set $t (v128.load32_lane 1 (i32.shl (local.get $a1) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 2 (i32.shl (local.get $a2) (i32.const 2)) (local.get $t)))
        (local.set $t (v128.load32_lane 3 (i32.shl (local.get $a3) (i32.const 2)) (local.get $t)))
        (local.set $wlo (v128.load64_zero offset=1024 (i32.shl (local.get $a0) (i32.const 3))))
        (local.set $wlo (v128.load64_lane offset=1024 1 (i32.shl (local.get $a1) (i32.const 3)) (local.get $wlo)))
        (local.set $whi (v128.load64_zero offset=1024 (i32.shl (local.get $a2) (i32.const 3))))
        (local.set $whi (v128.load64_lane offset=1024 1 (i32.shl (local.get $a3) (i32.const 3)) (local.get $whi)))
        ;; u < 2^24, so the signed conversion (one instruction on x64) is exact.
        (local.set $lo (f32x4.demote_f64x2_zero
          (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $u)) (local.get $wlo))))
        (local.set $hi (f32x4.demote_f64x2_zero
          (f64x2.mul
            (f64x2.convert_low_i32x4_s
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $u) (local.get $u)))
            (local.get $whi))))
        (v128.store offset=4144 (local.get $p4)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
        (i32.store8 offset=266241 (i32.shr_u (local.get $pos) (i32.const 3))
          (i32.or (i32x4.bitmask (local.get $acc))
                  (i32.shl (i32x4.bitmask (i32x4.lt_s (local.get $u) (local.get $t))) (i32.const 4))))

        (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
        (local.set $ctr (i32x4.add (local.get $ctr) (v128.load offset=3168 (i32.const 0))))
        (local.set $ctr2 (i32x4.add (local.get $ctr2) (v128.load offset=3168 (i32.const 0))))
        (br $next)))

    ;; Miss lists from the MASK bytes: only bytes with a clear bit (~20% of them) are looked into.
    (local.set $pos (i32.const 0))
    (block $scanned
      (loop $scan
        (br_if $scanned (i32.ge_u (local.get $pos) (local.get $limit)))
        (local.set $mask (i32.load8_u offset=266240 (i32.shr_u (local.get $pos) (i32.const 3))))
        (if (i32.ne (local.get $mask) (i32.const 255))
          (then
            (local.set $lane (i32.const 0))
            (loop $lanes
              (local.set $p (i32.add (local.get $pos) (local.get $lane)))
              (if (i32.and
                    (i32.eqz (i32.and (i32.shr_u (local.get $mask) (local.get $lane)) (i32.const 1)))
                    (i32.lt_u (local.get $p) (local.get $limit)))
                (then
                  (i32.store offset=270336 (i32.shl (local.get $misses) (i32.const 2)) (local.get $p))
                  (i32.store offset=401408 (i32.shl (local.get $misses) (i32.const 2))
                    (i32.load offset=135168 (i32.shl (local.get $p) (i32.const 2))))
                  (local.set $misses (i32.add (local.get $misses) (i32.const 1)))))
              (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
              (br_if $lanes (i32.lt_u (local.get $lane) (i32.const 8))))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 8)))
        (br $scan)))
    (local.get $misses))
)
