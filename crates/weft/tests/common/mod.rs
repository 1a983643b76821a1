//! Helpers shared by the random-module tests (`smith.rs`, `threaded_smith.rs`).

use weft::{Extern, Func, Global, ImportType, Memory, Module, Store, Table, Val};

/// A small deterministic generator (xorshift64*), so every run sees the same cases.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// `512..4608` random bytes for wasm-smith to shape into a module.
pub fn seed_bytes(rng: &mut Rng) -> Vec<u8> {
    let mut seed = vec![0u8; 512 + (rng.next() % 4096) as usize];
    for b in &mut seed {
        *b = rng.next() as u8;
    }
    seed
}

/// A stand-in for every import: host functions return zeros.
pub fn dummy_imports<T: Send + 'static>(store: &mut Store<T>, module: &Module) -> Option<Vec<Extern>> {
    let mut imports = Vec::new();
    for (_, _, ty) in module.imports() {
        imports.push(match ty {
            ImportType::Func(index) => {
                let ty = module.decoded().types.get(*index as usize)?.as_func()?.clone();
                Extern::Func(Func::new(&mut *store, ty, |_, _, results| {
                    for r in results.iter_mut() {
                        *r = Val::default_for(r.ty());
                    }
                    Ok(())
                }))
            }
            ImportType::Table(ty) => Extern::Table(Table::new(&mut *store, *ty, Val::null_of(ty.element.heap)).ok()?),
            ImportType::Memory(ty) => Extern::Memory(Memory::new(&mut *store, *ty).ok()?),
            ImportType::Global(ty) => Extern::Global(Global::new(&mut *store, *ty, Val::default_for(ty.content)).ok()?),
            ImportType::Tag(_) => return None,
        });
    }
    Some(imports)
}
