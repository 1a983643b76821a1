//! Small binary encoders: the inverse of [`Reader`](crate::Reader), used by
//! [`Operator::encode`](crate::Operator::encode) and by tests that build modules.

/// Appends `v` as unsigned LEB128.
pub fn write_var_u32(out: &mut Vec<u8>, v: u32) {
    write_var_u64(out, u64::from(v));
}

/// Appends `v` as unsigned LEB128.
pub fn write_var_u64(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends `v` as signed LEB128.
pub fn write_var_i32(out: &mut Vec<u8>, v: i32) {
    write_var_i64(out, i64::from(v));
}

/// Appends `v` as signed LEB128.
pub fn write_var_i64(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends a length-prefixed name.
pub fn write_name(out: &mut Vec<u8>, name: &str) {
    write_var_u32(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}
