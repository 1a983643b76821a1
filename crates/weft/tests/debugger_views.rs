//! What a debugger (`weft studio`) reads besides the exports: an
//! instance's globals and memories by index, and the `Stepper`'s cheap
//! views of the next instruction.

use weft::{Engine, EngineKind, Linker, Module, Store, Val};
use weft::{Step, Stepper};

const WAT: &str = r#"(module
  (memory 1)
  (global $hidden (mut i32) (i32.const 7))
  (func (export "f") (param i32) (result i32)
    (i32.store offset=4 (i32.const 16) (local.get 0))
    (global.set $hidden (local.get 0))
    (global.get $hidden)))"#;

fn reference() -> Engine {
    let mut config = weft::Config::new();
    config.engine_kind(EngineKind::Reference);
    Engine::new(&config)
}

#[test]
fn unexported_globals_and_memories_by_index() {
    let engine = reference();
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let global = instance.global_by_index(&store, 0).unwrap().expect("global 0");
    assert_eq!(global.get(&store).unwrap(), Val::I32(7));
    assert!(instance.global_by_index(&store, 1).unwrap().is_none());
    let memory = instance.memory_by_index(&store, 0).unwrap().expect("memory 0");
    assert_eq!(memory.data_size(&store).unwrap(), 65536);
    assert!(instance.memory_by_index(&store, 1).unwrap().is_none());

    instance.get_func("f").unwrap().call(&mut store, &[Val::I32(42)], &mut [Val::I32(0)]).unwrap();
    assert_eq!(global.get(&store).unwrap(), Val::I32(42));
    assert_eq!(memory.data(&store).unwrap()[20], 42);

    // Another store's handles are refused, not confused with this one's.
    let other = Store::new(&engine, ());
    assert!(instance.global_by_index(&other, 0).is_err());
    assert!(instance.memory_by_index(&other, 0).is_err());
}

#[test]
fn the_stepper_shows_the_next_instruction_without_copying_frames() {
    let engine = reference();
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = instance.get_func("f").unwrap();
    let mut stepper = Stepper::new(&mut store, f, &[Val::I32(5)]).unwrap();
    let mut seen = Vec::new();
    loop {
        let frame = stepper.frames().into_iter().next();
        assert_eq!(stepper.next_offset(), frame.as_ref().and_then(|f| f.offset));
        assert_eq!(stepper.next_text(), frame.as_ref().map(|f| f.next_text.clone()).unwrap_or_default());
        assert_eq!(
            stepper.next_instruction().map(|i| i.mnemonic()),
            frame.as_ref().and_then(|f| f.next).map(|i| i.mnemonic())
        );
        seen.push(stepper.next_text());
        if let Step::Finished(results) = stepper.step(&mut store).unwrap() {
            assert_eq!(results, [Val::I32(5)]);
            break;
        }
    }
    assert!(seen[2].starts_with("i32.store offset=4"), "{}", seen[2]);
    assert_eq!(stepper.next_instruction().map(|i| i.mnemonic()), None);
    assert_eq!(stepper.next_offset(), None);
    assert_eq!(stepper.next_text(), "");
}
