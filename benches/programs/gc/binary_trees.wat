;; GC allocation: the Benchmarks Game's binary-trees with maximum depth 20
;; (trees built bottom-up as structs with two children, then walked to
;; count their nodes). A long-lived tree of depth 20 stays alive while
;; 2^(20-d+4) short-lived trees of each depth d = 4, 6, ..., 20 are built
;; and dropped. `depth` runs it with another maximum depth.
(module
  (type $tree (struct (field $left (ref null $tree)) (field $right (ref null $tree))))

  (func $make (param $d i32) (result (ref $tree))
    (if (result (ref $tree)) (i32.eqz (local.get $d))
      (then (struct.new $tree (ref.null $tree) (ref.null $tree)))
      (else (struct.new $tree
        (call $make (i32.sub (local.get $d) (i32.const 1)))
        (call $make (i32.sub (local.get $d) (i32.const 1)))))))

  (func $check (param $t (ref null $tree)) (result i64)
    (if (result i64) (ref.is_null (struct.get $tree $left (local.get $t)))
      (then (i64.const 1))
      (else (i64.add (i64.const 1)
        (i64.add (call $check (struct.get $tree $left (local.get $t)))
                 (call $check (struct.get $tree $right (local.get $t))))))))

  ;; The sum of every check: the stretch tree, the short-lived trees and
  ;; the long-lived one.
  (func $depth (export "depth") (param $max i32) (result i64)
    (local $long (ref null $tree)) (local $d i32) (local $n i32) (local $i i32) (local $sum i64)
    (local.set $sum (call $check (call $make (i32.add (local.get $max) (i32.const 1)))))
    (local.set $long (call $make (local.get $max)))
    (local.set $d (i32.const 4))
    (block $done (loop $depths
      (br_if $done (i32.gt_u (local.get $d) (local.get $max)))
      (local.set $n (i32.shl (i32.const 1) (i32.add (i32.sub (local.get $max) (local.get $d)) (i32.const 4))))
      (local.set $i (i32.const 0))
      (block $trees_done (loop $trees
        (br_if $trees_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i64.add (local.get $sum) (call $check (call $make (local.get $d)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $trees)))
      (local.set $d (i32.add (local.get $d) (i32.const 2)))
      (br $depths)))
    (i64.add (local.get $sum) (call $check (local.get $long))))

  (func (export "run") (result i64)
    (call $depth (i32.const 20))))
