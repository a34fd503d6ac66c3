use geom::traits::{Area, Named};
use geom::Point;
use std::fmt::{self, Display};

#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    pub center: Point,
    pub radius: f64,
}

impl Circle {
    pub fn new(center: Point, radius: f64) -> Circle {
        Circle { center, radius }
    }

    pub fn unit() -> Self {
        Self::new(geom::prelude::origin(), 1.0)
    }

    pub fn offset(&self) -> f64 {
        self.center.norm()
    }
}

impl Area for Circle {
    fn area(&self) -> f64 {
        std::f64::consts::PI * self.radius * self.radius
    }
}

impl Display for Circle {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "circle r={}", self.radius)
    }
}
