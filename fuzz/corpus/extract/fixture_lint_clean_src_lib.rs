//! Fixture for tests/clients/lint.sh: dependencies go one way only
//! (shapes → units), so there is no cycle and nothing to report.
pub mod shapes;
pub mod units;

use shapes::{Area, Circle};

pub fn total(items: &[Circle]) -> f64 {
    items.iter().map(|c| c.area()).sum()
}
