//! Module a: Alpha points at b's Beta.

use crate::b::Beta;
use crate::util::next_id;

pub struct Alpha {
    pub beta: Option<Box<Beta>>,
    pub id: u32,
}

pub fn fresh() -> Alpha {
    Alpha { beta: None, id: next_id() }
}
