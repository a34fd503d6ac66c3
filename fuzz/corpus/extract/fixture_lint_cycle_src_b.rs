//! Module b: Beta points back at a's Alpha.
use std::fmt;

use super::a::Alpha;

pub struct Beta {
    pub alpha: Option<Box<Alpha>>,
}

impl fmt::Debug for Beta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Beta({})", self.alpha.is_some())
    }
}
