//! Runtime values (spec 4.2.1 "values") and the value types they carry.

use std::fmt;

use weft_decode::{HeapType, RefType, ValType};

use crate::exception::Exn;
use crate::func::Func;
use crate::gc::AnyRef;

/// An opaque host reference (`externref`): a number the host chose.
/// Hosts that need richer payloads keep them in their store data and use
/// the number as a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(pub u64);

/// A WebAssembly value. Floats are kept as their bit patterns so NaN
/// payloads survive every copy, and `==` compares floats by bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as bits.
    F32(u32),
    /// An `f64`, as bits.
    F64(u64),
    /// A `v128`.
    V128(u128),
    /// A function reference (`None` is `ref.null func`).
    FuncRef(Option<Func>),
    /// An external reference (`None` is `ref.null extern`).
    ExternRef(Option<ExternRef>),
    /// An exception reference (`None` is `ref.null exn`).
    ExnRef(Option<Exn>),
    /// A reference of the GC `any` hierarchy (`anyref`, `eqref`,
    /// `i31ref`, `structref`, `arrayref`, defined struct and array types;
    /// `None` is their null). See [`crate::gc`].
    AnyRef(Option<AnyRef>),
    /// An `externref` made by `extern.convert_any` from an internal
    /// reference that is not host data; `any.convert_extern` turns it back.
    Externalized(AnyRef),
}

impl Val {
    /// An `f32` value from a Rust float.
    pub fn f32(v: f32) -> Val {
        Val::F32(v.to_bits())
    }

    /// An `f64` value from a Rust float.
    pub fn f64(v: f64) -> Val {
        Val::F64(v.to_bits())
    }

    /// The zero value of `ty` (spec 4.2.1 `default_t`): 0 or a null reference.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) => Val::null_of(r.heap),
        }
    }

    /// The null reference of a heap type's hierarchy.
    pub fn null_of(heap: HeapType) -> Val {
        match heap {
            HeapType::Extern | HeapType::NoExtern => Val::ExternRef(None),
            HeapType::Exn | HeapType::NoExn => Val::ExnRef(None),
            HeapType::Any | HeapType::Eq | HeapType::I31 | HeapType::Struct | HeapType::Array | HeapType::None => {
                Val::AnyRef(None)
            }
            // A defined type's hierarchy depends on its module's types
            // (`gc::null_of` resolves it); function types are the common case.
            HeapType::Func | HeapType::NoFunc | HeapType::Concrete(_) => Val::FuncRef(None),
        }
    }

    /// The value's type (references report their nullable abstract type).
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::ExnRef(_) => ValType::EXNREF,
            Val::AnyRef(_) => ValType::Ref(RefType { nullable: true, heap: HeapType::Any }),
            Val::Externalized(_) => ValType::EXTERNREF,
        }
    }

    /// Whether the value can be stored where `ty` is expected.
    pub fn matches(&self, ty: ValType) -> bool {
        match (self, ty) {
            (Val::FuncRef(f), ValType::Ref(r)) => {
                matches!(r.heap, HeapType::Func | HeapType::NoFunc | HeapType::Concrete(_))
                    && (r.nullable || f.is_some())
            }
            (Val::ExternRef(e), ValType::Ref(r)) => {
                matches!(r.heap, HeapType::Extern | HeapType::NoExtern) && (r.nullable || e.is_some())
            }
            (Val::Externalized(_), ValType::Ref(r)) => r.heap == HeapType::Extern,
            (Val::AnyRef(a), ValType::Ref(r)) => match a {
                None => {
                    r.nullable
                        && matches!(
                            r.heap,
                            HeapType::Any
                                | HeapType::Eq
                                | HeapType::I31
                                | HeapType::Struct
                                | HeapType::Array
                                | HeapType::None
                                | HeapType::Concrete(_)
                        )
                }
                Some(AnyRef::I31(_)) => matches!(r.heap, HeapType::Any | HeapType::Eq | HeapType::I31),
                Some(AnyRef::Host(_)) => r.heap == HeapType::Any,
                // The object's type is checked against defined types by the
                // store (`Store` knows the heap); here only the hierarchy.
                Some(AnyRef::Object(_)) => matches!(
                    r.heap,
                    HeapType::Any | HeapType::Eq | HeapType::Struct | HeapType::Array | HeapType::Concrete(_)
                ),
            },
            (Val::ExnRef(e), ValType::Ref(r)) => {
                matches!(r.heap, HeapType::Exn | HeapType::NoExn) && (r.nullable || e.is_some())
            }
            (v, t) => v.ty() == t,
        }
    }

    /// Whether this is a null reference.
    pub fn is_null(&self) -> bool {
        matches!(self, Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None))
    }

    /// Whether this is a canonical NaN (spec 4.3.3 `nan_N(canon_N)`): a
    /// quiet NaN with an all-zero payload below the quiet bit, either sign.
    pub fn is_canonical_nan(&self) -> bool {
        match *self {
            Val::F32(b) => b & 0x7fff_ffff == 0x7fc0_0000,
            Val::F64(b) => b & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
            _ => false,
        }
    }

    /// Whether this is an arithmetic NaN: any NaN with the quiet bit set.
    pub fn is_arithmetic_nan(&self) -> bool {
        match *self {
            Val::F32(b) => b & 0x7fc0_0000 == 0x7fc0_0000,
            Val::F64(b) => b & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
            _ => false,
        }
    }

    /// Bitwise equality (the same as `==`; named for readers of test code).
    pub fn bits_eq(&self, other: &Val) -> bool {
        self == other
    }

    /// The `i32`, if this is one.
    pub fn i32(&self) -> Option<i32> {
        if let Val::I32(v) = self { Some(*v) } else { None }
    }

    /// The `i64`, if this is one.
    pub fn i64(&self) -> Option<i64> {
        if let Val::I64(v) = self { Some(*v) } else { None }
    }

    /// The `f32`, if this is one.
    pub fn f32_value(&self) -> Option<f32> {
        if let Val::F32(v) = self { Some(f32::from_bits(*v)) } else { None }
    }

    /// The `f64`, if this is one.
    pub fn f64_value(&self) -> Option<f64> {
        if let Val::F64(v) = self { Some(f64::from_bits(*v)) } else { None }
    }

    /// The `v128`, if this is one.
    pub fn v128(&self) -> Option<u128> {
        if let Val::V128(v) = self { Some(*v) } else { None }
    }

    /// The function reference, if this is one (`Some(None)` for null).
    pub fn funcref(&self) -> Option<Option<Func>> {
        if let Val::FuncRef(v) = self { Some(*v) } else { None }
    }

    /// The exception reference, if this is one (`Some(None)` for null).
    pub fn exnref(&self) -> Option<Option<Exn>> {
        if let Val::ExnRef(v) = self { Some(*v) } else { None }
    }

    /// The external reference, if this is one (`Some(None)` for null).
    pub fn externref(&self) -> Option<Option<ExternRef>> {
        if let Val::ExternRef(v) = self { Some(*v) } else { None }
    }

    /// The `any` reference, if this is one (`Some(None)` for null).
    pub fn anyref(&self) -> Option<Option<AnyRef>> {
        if let Val::AnyRef(v) = self { Some(*v) } else { None }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::f32(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::f64(v)
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "i32:{v}"),
            Val::I64(v) => write!(f, "i64:{v}"),
            Val::F32(v) => write!(f, "f32:{}", f32::from_bits(*v)),
            Val::F64(v) => write!(f, "f64:{}", f64::from_bits(*v)),
            Val::V128(v) => write!(f, "v128:{v:#034x}"),
            Val::FuncRef(None) => f.write_str("ref.null func"),
            Val::FuncRef(Some(func)) => write!(f, "ref.func {}", func.index()),
            Val::ExternRef(None) => f.write_str("ref.null extern"),
            Val::ExternRef(Some(e)) => write!(f, "ref.extern {}", e.0),
            Val::ExnRef(None) => f.write_str("ref.null exn"),
            Val::ExnRef(Some(e)) => write!(f, "ref.exn {}", e.0.index),
            Val::AnyRef(None) => f.write_str("ref.null any"),
            Val::AnyRef(Some(a)) | Val::Externalized(a) => {
                if matches!(self, Val::Externalized(_)) {
                    f.write_str("extern ")?;
                }
                match a {
                    AnyRef::I31(v) => write!(f, "ref.i31 {}", AnyRef::i31_get_s(*v)),
                    AnyRef::Object(r) => write!(f, "ref.object {}", r.index),
                    AnyRef::Host(e) => write!(f, "ref.host {}", e.0),
                }
            }
        }
    }
}

/// Whether reference type `a` matches (is a subtype of) `b`, for the
/// abstract heap types of Wasm 2.0 (and concrete function types, which
/// are all `func`).
pub(crate) fn ref_type_matches(a: RefType, b: RefType) -> bool {
    if a.nullable && !b.nullable {
        return false;
    }
    let top = |h: HeapType| match h {
        HeapType::Extern | HeapType::NoExtern => 1,
        HeapType::Exn | HeapType::NoExn => 2,
        HeapType::Func | HeapType::NoFunc | HeapType::Concrete(_) => 0,
        _ => 3,
    };
    a.heap == b.heap
        || (top(a.heap) == top(b.heap)
            && (matches!(b.heap, HeapType::Func | HeapType::Extern | HeapType::Exn | HeapType::Any)
                || matches!(a.heap, HeapType::NoFunc | HeapType::NoExtern | HeapType::NoExn | HeapType::None)))
}
