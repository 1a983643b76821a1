//! The `name` custom section (spec 7.4.1): module, function and local names
//! for backtraces, traces and `weft inspect`.
//!
//! Custom sections are not validated, so a malformed name section is
//! ignored (what it held up to the error is kept), never an error.

use std::collections::HashMap;

use crate::module::Module;
use crate::reader::Reader;

/// Names from the `name` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// The module's name.
    pub module: Option<String>,
    /// Function names by function index.
    pub functions: HashMap<u32, String>,
    /// Local names by function index, then local index.
    pub locals: HashMap<u32, HashMap<u32, String>>,
    /// Type names by type index (subsection 4).
    pub types: HashMap<u32, String>,
    /// Struct field names by type index, then field index (subsection 10, GC).
    pub fields: HashMap<u32, HashMap<u32, String>>,
}

impl Names {
    /// Reads the `name` section of `module`, if it has one.
    pub fn parse(module: &Module) -> Names {
        let mut names = Names::default();
        if let Some(section) = module.customs.iter().find(|c| c.name == "name") {
            let r = Reader::with_range(module.bytes(), section.range.start, section.range.end, module.features());
            let _ = names.read(r);
        }
        names
    }

    fn read(&mut self, mut r: Reader<'_>) -> crate::Result<()> {
        while !r.is_empty() {
            let id = r.read_u8()?;
            let size = r.read_var_u32()? as usize;
            let mut sub = r.split(size)?;
            match id {
                0 => self.module = Some(sub.read_name()?.to_string()),
                1 => read_name_map(&mut sub, &mut self.functions)?,
                2 | 10 => {
                    let count = sub.read_len()?;
                    for _ in 0..count {
                        let outer = sub.read_var_u32()?;
                        let mut map = HashMap::new();
                        read_name_map(&mut sub, &mut map)?;
                        if id == 2 { &mut self.locals } else { &mut self.fields }.insert(outer, map);
                    }
                }
                4 => read_name_map(&mut sub, &mut self.types)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// The name of function `index`, if the name section gives one.
    pub fn function(&self, index: u32) -> Option<&str> {
        self.functions.get(&index).map(String::as_str)
    }
}

fn read_name_map(r: &mut Reader<'_>, map: &mut HashMap<u32, String>) -> crate::Result<()> {
    let count = r.read_len()?;
    for _ in 0..count {
        let index = r.read_var_u32()?;
        let name = r.read_name()?.to_string();
        map.insert(index, name);
    }
    Ok(())
}
