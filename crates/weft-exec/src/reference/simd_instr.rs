//! Vector instructions (spec 4.4.3).

use std::sync::Arc;

use super::{Instr, Machine};
use crate::instance::InstanceData;
use crate::store::Store;
use crate::trap::Trap;

impl Machine {
    /// Executes `instr` if it is a vector instruction; `Ok(false)` if not.
    pub(super) fn exec_simd<T>(
        &mut self,
        _store: &mut Store<T>,
        _inst: &Arc<InstanceData>,
        _instr: Instr,
    ) -> Result<bool, Trap> {
        Ok(false)
    }
}
