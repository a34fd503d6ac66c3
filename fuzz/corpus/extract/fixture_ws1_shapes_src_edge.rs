//! Harder cases for call resolution.

use crate::shape::circle::Circle;
use crate::shape::rect::Rect;
use geom::point::Point;
use geom::traits::Area;

pub fn chained() -> f64 {
    Point::new(3.0, 4.0).norm()
}

pub fn absolute_path(v: f64) -> f64 {
    geom::util::square(v)
}

pub fn nested_outer() -> u32 {
    fn nested_inner() -> u32 {
        7
    }
    nested_inner() + 1
}

pub fn in_closure(xs: &[f64]) -> f64 {
    let f = |x: f64| geom::util::square(x);
    f(2.0)
}

/// Rect has an inherent `describe`: it wins over `Area::describe`.
pub fn inherent_wins(r: &Rect) -> String {
    r.describe()
}

/// Circle's impl of Area does not override `describe`: the default runs.
pub fn default_method(c: &Circle) -> String {
    c.describe()
}

pub fn self_literal() -> f64 {
    let p = Point { x: 1.0, y: 2.0 };
    p.distance(&Point::new(0.0, 0.0))
}

/// Non-ASCII identifiers; columns are counted in bytes.
pub fn grüße() -> u32 {
    1
}

pub fn unicode_line() -> f64 {
    let t = ("héllo wörld", geom::util::square(2.0));
    t.1 + grüße() as f64
}

pub fn scoped_use() -> f64 {
    use geom::util::clamp_u32 as clamp;
    clamp(5, 0, 3) as f64 + geom::dot_product(1.0, 2.0, 3.0, 4.0)
}

pub fn self_path() -> f64 {
    self::chained()
}

/// Type-qualified calls of a trait method on a concrete type.
pub fn ufcs_type(c: &Circle) -> f64 {
    Circle::area(c) + <Circle as Area>::area(c)
}

pub fn scaled_area(c: Circle) -> f64 {
    let s: crate::measure::Scaled<Circle> = crate::measure::Scaled { inner: c, k: 2.0 };
    s.area()
}
