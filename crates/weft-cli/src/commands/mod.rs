//! One module per `weft` subcommand.

pub mod inspect;
pub mod run;
pub mod validate;
pub mod wast;
