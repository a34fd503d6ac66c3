pub mod circle;
pub mod rect;

use self::circle::Circle;
use self::rect::Rect;

#[derive(Debug, Clone)]
pub enum Shape {
    Round(Circle),
    Boxy(Rect),
}

impl Shape {
    pub fn new() -> Shape {
        Shape::Round(Circle::unit())
    }

    pub fn area(&self) -> f64 {
        match self {
            Shape::Round(c) => c.radius * c.radius * 3.14,
            Shape::Boxy(r) => r.w * r.h,
        }
    }
}
