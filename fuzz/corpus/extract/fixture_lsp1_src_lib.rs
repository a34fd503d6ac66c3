//! Fixture for the LSP black-box tests (tests/lsp_blackbox.py).
pub mod ping;
pub mod pong;
pub mod shapes;

use shapes::{Area, Circle};

/// Total area of some circles.
pub fn total_area(items: &[Circle]) -> f64 {
    let mut sum = 0.0;
    for c in items {
        sum += c.area();
    }
    sum
}

pub fn describe() -> String {
    let label = "größe — ∑ 😀"; let n = helper(2);
    format!("{} {}", label, n)
}

pub fn helper(x: u32) -> u32 {
    x * 2
}

pub fn measure<T: Area>(t: &T) -> f64 {
    t.area()
}

pub fn twice() -> u32 {
    helper(1) + helper(2)
}
