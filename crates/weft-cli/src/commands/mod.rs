//! One module per `weft` subcommand.

pub mod inspect;
pub mod validate;
pub mod wast;
