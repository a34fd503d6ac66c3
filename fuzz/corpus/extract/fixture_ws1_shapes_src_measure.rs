use crate::shape::*;
use circle::Circle;
use geom::traits::{Area, Named};
use rect::Rect;

/// A shape scaled by `k` (a generic wrapper).
pub struct Scaled<T> {
    pub inner: T,
    pub k: f64,
}

impl<T: Area> Area for Scaled<T> {
    fn area(&self) -> f64 {
        let base = self.inner.area();
        base * self.k * self.k
    }
}

impl<T: Area> Named for Scaled<T> {
    fn name(&self) -> &'static str {
        "scaled"
    }
}

/// Implemented for every `Area + Clone` type (a blanket impl).
pub trait Summary {
    fn summary(&self) -> String;
}

impl<T: Area + Clone> Summary for T {
    fn summary(&self) -> String {
        String::from("summary")
    }
}

pub fn area_of<T: Area>(t: &T) -> f64 {
    t.area()
}

pub fn area_where<T>(t: &T) -> f64
where
    T: Area + Clone,
{
    t.area()
}

pub fn area_impl(t: impl Area) -> f64 {
    t.area()
}

pub fn area_dyn(t: &dyn Area) -> f64 {
    t.area()
}

pub fn area_qualified<T: Area>(t: &T) -> f64 {
    <T as Area>::area(t)
}

pub fn area_ufcs(t: &dyn Area) -> f64 {
    Area::area(t)
}

pub fn area_assoc<T: Area>(t: &T) -> f64 {
    T::area(t)
}

pub fn circle_area(c: &Circle) -> f64 {
    c.area()
}

pub fn rect_area() -> f64 {
    let r: Rect = Rect::new(2.0, 3.0);
    r.area()
}

pub fn shape_area() -> f64 {
    let s = Shape::new();
    s.area()
}

pub fn literal_area() -> f64 {
    let c = Circle {
        center: geom::Point::new(1.0, 1.0),
        radius: 2.0,
    };
    c.area()
}

pub fn sides_limit() -> u32 {
    geom::MAX_SIDES
}

pub fn scale_unit() -> f64 {
    geom::UNIT_SCALE * 2.0
}
