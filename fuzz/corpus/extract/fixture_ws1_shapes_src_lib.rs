#![allow(dead_code, unused)]
//! Shapes built on `geom`. Package `shapes-lib`, library name `shapes`.

/// Generates `impl Named for $t`.
macro_rules! impl_named {
    ($t:ty, $n:expr) => {
        impl Named for $t {
            fn name(&self) -> &'static str {
                $n
            }
        }
    };
}

/// Passes its items through unchanged.
macro_rules! items {
    ($($i:item)*) => {
        $($i)*
    };
}

pub mod iter;
pub mod measure;
pub mod shape;

pub use geom::prelude::*;
pub use shape::circle::Circle;
pub use shape::rect::Rect as Rectangle;

impl_named!(Circle, "circle");
impl_named!(Rectangle, "rect");

pub mod edge;
