;; GC churn: allocates N list nodes, keeping at most the last 1000 alive
;; (the list is dropped every 1000 nodes), and sums the values of every
;; list before dropping it. `run` allocates 10^8 objects; the collector
;; must keep the heap bounded (crates/weft/tests/gc_churn.rs).
(module
  (type $node (struct (field $v i64) (field $next (ref null $node))))

  (func $sum (param $l (ref null $node)) (result i64)
    (local $s i64)
    (block $end (loop $walk
      (br_if $end (ref.is_null (local.get $l)))
      (local.set $s (i64.add (local.get $s) (struct.get $node $v (local.get $l))))
      (local.set $l (struct.get $node $next (local.get $l)))
      (br $walk)))
    (local.get $s))

  ;; Allocates $n nodes; returns the sum of all their values (0 + 1 + ... + n-1).
  (func $churn (export "churn") (param $n i64) (result i64)
    (local $i i64) (local $l (ref null $node)) (local $total i64)
    (block $done (loop $alloc
      (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (local.set $l (struct.new $node (local.get $i) (local.get $l)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (if (i64.eqz (i64.rem_u (local.get $i) (i64.const 1000)))
        (then
          (local.set $total (i64.add (local.get $total) (call $sum (local.get $l))))
          (local.set $l (ref.null $node))))
      (br $alloc)))
    (i64.add (local.get $total) (call $sum (local.get $l))))

  (func (export "run") (result i64)
    (call $churn (i64.const 100000000))))
