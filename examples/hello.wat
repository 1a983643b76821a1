;; The browser's hello world, outside the browser: the host provides
;; `env.log` (think `console.log`) and `env.alert`; the module writes its
;; greeting into its memory and asks the host to print it.
(module
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "alert" (func $alert (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, World!")
  (data (i32.const 32) "weft says hi")
  (func $main (export "main")
    (call $log (i32.const 16) (i32.const 13))
    (call $alert (i32.const 32) (i32.const 12))))
