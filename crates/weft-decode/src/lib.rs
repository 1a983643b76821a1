//! # weft-decode
//!
//! The WebAssembly binary decoder of the weft runtime: bytes in, a
//! [`Module`] out, with function bodies kept as byte ranges and read on
//! demand by an [`OperatorsReader`].
//!
//! Every instruction is listed once, in the table of [`for_each_instruction!`];
//! the [`Operator`] enum, its decoder, encoder and printer are derived from it.
//!
//! ```
//! use weft_decode::{Module, Operator};
//!
//! // (module (func (export "one") (result i32) i32.const 1))
//! let bytes = [
//!     0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
//!     0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,       // type section
//!     0x03, 0x02, 0x01, 0x00,                         // function section
//!     0x07, 0x07, 0x01, 0x03, b'o', b'n', b'e', 0x00, 0x00, // export section
//!     0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x0b, // code section
//! ];
//! let module = Module::decode(&bytes)?;
//! assert_eq!(module.exports[0].name, "one");
//! let mut ops = module.operators(0);
//! assert_eq!(ops.read()?, Operator::I32Const { value: 1 });
//! assert_eq!(ops.read()?.to_string(), "end");
//! # Ok::<(), weft_decode::DecodeError>(())
//! ```
#![forbid(unsafe_code)]

mod body;
pub mod encode;
mod error;
mod features;
mod immediates;
mod instructions;
pub mod limits;
mod module;
mod names;
mod operator;
mod reader;
mod types;

pub use body::OperatorsReader;
pub use error::{DecodeError, DecodeErrorKind, Result};
pub use features::Features;
pub use immediates::{
    BrTable, CastBranch, Catch, Catches, Ieee32, Ieee64, Immediate, MemArg, MemIdx, NonNullHeap, NullableHeap,
    SelectTypes, ShuffleLanes, TableIdx, V128, ZeroByte,
};
pub use module::*;
pub use names::Names;
pub use operator::{INSTRUCTIONS, Operator, Prefix, Signature, VisitOperator};
pub use reader::Reader;
pub use types::*;
