;; simd_checksum.wat — the SIMD benchmark program: a WASI command that
;; needs fixed-width SIMD (Wasm 2.0) and nothing else beyond `fd_write`.
;;
;; It fills a 64 KiB buffer with a byte stream from a linear congruential
;; generator (s = s * 1103515245 + 12345, byte = s >> 24, s0 = 12345), then
;; makes ROUNDS = 64 passes over the buffer, 16 bytes at a time. For each
;; vector v (at p) and w (the vector 4 KiB further on, wrapping), it
;;   * accumulates the integer dot product   i32x4.dot_i16x8_s(v, w),
;;   * counts set bits                       i8x16.popcnt, extadd_pairwise,
;;   * keeps the running byte maximum of     i8x16.avgr_u(v, w),
;;   * accumulates a float saxpy             y += 0.25 * f32(low 4 bytes of v),
;;   * overwrites v with                     swizzle(v, w & 15) + sub_sat_u(w, v),
;; so every pass sees different data. The checksum (a u64, wrapping) is
;;   dot * 1000003 + popcount * 31 + trunc_sat(y) + sum(max bytes)
;;     + (bitmask(max) << 40),
;; with each vector reduced by adding its lanes (see `$checksum`).
;;
;; Output: "simd checksum: 76089330370659990\n" on stdout, exit code 0.
;; `checksum` is also exported and returns the same value as an i64.
;; Checked by crates/weft/tests/simd_program.rs on the reference engine; the
;; expected value was computed independently by a scalar model of the same
;; algorithm.
;;
;; Peers: wasmtime and wasmi (with its `simd` feature) run it; wasm3 has no
;; SIMD support.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))

  ;; Page 0: [0, 16) two iovecs, [16, 20) bytes written, [32, 47) the text,
  ;; [64, 128) the decimal digits and newline. Page 1: the data buffer.
  (memory (export "memory") 2)
  (data (i32.const 32) "simd checksum: ")

  (global $rounds i32 (i32.const 64))

  ;; The buffer's byte stream.
  (func $init
    (local $i i32) (local $s i32)
    (local.set $s (i32.const 12345))
    (loop $fill
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store8 offset=65536 (local.get $i) (i32.shr_u (local.get $s) (i32.const 24)))
      (br_if $fill (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 65536)))))

  ;; The sum of an i32x4's lanes (wrapping).
  (func $hsum (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  (func $checksum (export "checksum") (result i64)
    (local $round i32) (local $p i32) (local $v v128) (local $w v128)
    (local $dot v128) (local $pop v128) (local $max v128) (local $y v128)
    (call $init)
    (loop $pass
      (local.set $p (i32.const 0))
      (loop $chunk
        (local.set $v (v128.load offset=65536 (local.get $p)))
        (local.set $w (v128.load offset=65536
          (i32.and (i32.add (local.get $p) (i32.const 4096)) (i32.const 0xffff))))
        (local.set $dot (i32x4.add (local.get $dot) (i32x4.dot_i16x8_s (local.get $v) (local.get $w))))
        (local.set $pop (i32x4.add (local.get $pop)
          (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (i8x16.popcnt (local.get $v))))))
        (local.set $max (i8x16.max_u (local.get $max) (i8x16.avgr_u (local.get $v) (local.get $w))))
        (local.set $y (f32x4.add (local.get $y)
          (f32x4.mul
            (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v))))
            (f32x4.splat (f32.const 0.25)))))
        (v128.store offset=65536 (local.get $p)
          (i8x16.add
            (i8x16.swizzle (local.get $v) (v128.and (local.get $w) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
            (i8x16.sub_sat_u (local.get $w) (local.get $v))))
        (br_if $chunk (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 16))) (i32.const 65536))))
      (br_if $pass (i32.ne (local.tee $round (i32.add (local.get $round) (i32.const 1))) (global.get $rounds))))
    (i64.add
      (i64.add
        (i64.add
          (i64.mul (i64.extend_i32_u (call $hsum (local.get $dot))) (i64.const 1000003))
          (i64.mul (i64.extend_i32_u (call $hsum (local.get $pop))) (i64.const 31)))
        (i64.add
          (i64.extend_i32_s (call $hsum (i32x4.trunc_sat_f32x4_s (local.get $y))))
          (i64.extend_i32_u (call $hsum
            (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $max)))))))
      (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $max))) (i64.const 40))))

  ;; Prints "simd checksum: N\n" (N as an unsigned decimal).
  (func (export "_start")
    (local $n i64) (local $at i32)
    (local.set $n (call $checksum))
    (local.set $at (i32.const 127))
    (i32.store8 (local.get $at) (i32.const 10))
    (loop $digit
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i32.store8 (local.get $at)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
      (br_if $digit (i64.ne (local.tee $n (i64.div_u (local.get $n) (i64.const 10))) (i64.const 0))))
    (i32.store (i32.const 0) (i32.const 32))
    (i32.store (i32.const 4) (i32.const 15))
    (i32.store (i32.const 8) (local.get $at))
    (i32.store (i32.const 12) (i32.sub (i32.const 128) (local.get $at)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16)))))
