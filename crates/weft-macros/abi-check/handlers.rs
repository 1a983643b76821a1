// A handler chain in miniature, for `check.sh`: two handlers of weft's
// shape (six integer words, the last two changed before the next call),
// one under the Rust ABI and one under the ABI `#[handler]` pins
// (`PINNED`, substituted by `check.sh`). `#![no_core]` so that rustc can
// emit assembly for any target without that target's standard library.
#![feature(no_core, lang_items, rustc_attrs)]
#![allow(internal_features)]
#![no_core]
#![crate_type = "lib"]

#[lang = "pointee_sized"]
pub trait PointeeSized {}
#[lang = "meta_sized"]
pub trait MetaSized: PointeeSized {}
#[lang = "sized"]
pub trait Sized: MetaSized {}
#[lang = "copy"]
pub trait Copy {}
#[lang = "add"]
pub trait Add<Rhs = Self> {
    type Output;
    fn add(self, rhs: Rhs) -> Self::Output;
}
impl Copy for u64 {}
impl<T: ?Sized> Copy for *const T {}
impl Add for u64 {
    type Output = u64;
    #[rustc_inherit_overflow_checks]
    fn add(self, o: u64) -> u64 {
        self + o
    }
}

/// Memory 0's base and length, as the engine passes it.
#[repr(C)]
pub struct Mem {
    pub base: *const u8,
    pub len: u64,
}
impl Copy for Mem {}

pub type RustHandler = fn(*const u8, *const u64, *const u8, Mem, u64) -> u64;
pub type PinnedHandler = extern "PINNED" fn(*const u8, *const u64, *const u8, Mem, u64) -> u64;

#[unsafe(no_mangle)]
pub fn rust_abi(ex: *const u8, ip: *const u64, s: *const u8, m: Mem, acc: u64) -> u64 {
    let next: RustHandler = unsafe { *(ip as *const RustHandler) };
    next(ex, ip, s, m, acc + m.len)
}

#[unsafe(no_mangle)]
pub extern "PINNED" fn pinned_abi(ex: *const u8, ip: *const u64, s: *const u8, m: Mem, acc: u64) -> u64 {
    let next: PinnedHandler = unsafe { *(ip as *const PinnedHandler) };
    next(ex, ip, s, m, acc + m.len)
}
