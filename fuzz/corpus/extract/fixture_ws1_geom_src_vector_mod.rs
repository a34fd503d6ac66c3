pub mod ops;

use super::point::Point;
use self::ops::{dot, scale as scale_by};

#[derive(Debug, Clone, PartialEq)]
pub struct Vec2 {
    pub dx: f64,
    pub dy: f64,
}

impl Vec2 {
    pub fn new(dx: f64, dy: f64) -> Vec2 {
        Vec2 { dx, dy }
    }

    pub fn from_points(a: &Point, b: &Point) -> Vec2 {
        Vec2::new(b.x - a.x, b.y - a.y)
    }

    pub fn norm(&self) -> f64 {
        dot(self.dx, self.dy, self.dx, self.dy).sqrt()
    }

    pub fn scaled(&self, k: f64) -> Vec2 {
        let (dx, dy) = scale_by(self.dx, self.dy, k);
        Vec2::new(dx, dy)
    }
}
