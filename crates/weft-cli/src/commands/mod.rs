//! One module per `weft` subcommand.

pub mod explain;
pub mod inspect;
pub mod run;
pub mod studio;
pub mod trace;
pub mod validate;
pub mod wast;
