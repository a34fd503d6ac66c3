use crate::units::Meters;

pub trait Area {
    fn area(&self) -> f64;
}

pub struct Circle {
    pub r: Meters,
}

impl Area for Circle {
    fn area(&self) -> f64 {
        3.14 * self.r.0 * self.r.0
    }
}
