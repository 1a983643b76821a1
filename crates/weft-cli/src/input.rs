//! Reading a module from a file: `.wasm` binary or `.wat` text.

use std::fmt;
use std::path::{Path, PathBuf};

/// A failure to read or parse an input file, naming the path.
#[derive(Debug)]
pub enum InputError {
    /// The file could not be read.
    Io(PathBuf, std::io::Error),
    /// The file is text that is not valid WebAssembly text format.
    Wat(PathBuf, String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            InputError::Wat(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads `path` and returns the module's binary bytes. Text (a `.wat` file,
/// or a file without the `.wasm` extension that is UTF-8 and does not start
/// with the binary magic) is translated with the `wat` crate.
pub fn read_module(path: &Path) -> Result<Vec<u8>, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::Io(path.to_path_buf(), e))?;
    let extension = path.extension().and_then(|e| e.to_str());
    let is_text = matches!(extension, Some("wat" | "wast"))
        || (extension != Some("wasm")
            && !bytes.starts_with(b"\0asm")
            && !bytes.is_empty()
            && std::str::from_utf8(&bytes).is_ok());
    if !is_text {
        return Ok(bytes);
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| InputError::Wat(path.to_path_buf(), e.to_string()))?;
    wat::parse_str(text).map_err(|mut e| {
        e.set_path(path);
        InputError::Wat(path.to_path_buf(), e.to_string())
    })
}
