#![allow(dead_code, unused)]
//! Geometry primitives. Crate `geom`.

pub mod point;
pub mod traits;
pub mod vector;
#[path = "support/helpers.rs"]
pub mod util;
mod cycle_a;
mod cycle_b;

pub use point::Point;
pub use vector::ops::dot as dot_product;

/// Inline module of re-exports (a `pub use` chain starts here).
pub mod prelude {
    pub use crate::point::{self, origin, Point};
    pub use crate::traits::*;
}

pub const MAX_SIDES: u32 = 12;
pub static UNIT_SCALE: f64 = 1.0;

pub fn version() -> u32 {
    util::clamp_u32(3, 0, MAX_SIDES)
}
