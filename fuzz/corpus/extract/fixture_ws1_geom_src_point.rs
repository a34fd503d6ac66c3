use std::fmt;
use crate::util::square;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    pub fn norm(&self) -> f64 {
        Self::sum_sq(self.x, self.y).sqrt()
    }

    fn sum_sq(a: f64, b: f64) -> f64 {
        square(a) + square(b)
    }

    pub fn distance(&self, other: &Point) -> f64 {
        let d = Point::new(self.x - other.x, self.y - other.y);
        d.norm()
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

pub fn origin() -> Point {
    Point::new(0.0, 0.0)
}
