pub trait Area {
    fn area(&self) -> f64;
}

#[derive(Debug, Clone)]
pub struct Circle {
    pub r: f64,
}

pub struct Square {
    pub side: f64,
}

impl Area for Circle {
    fn area(&self) -> f64 {
        3.14 * self.r * self.r
    }
}

impl Area for Square {
    fn area(&self) -> f64 {
        self.side * self.side
    }
}

pub fn unit_circle() -> Circle {
    Circle { r: 1.0 }
}
