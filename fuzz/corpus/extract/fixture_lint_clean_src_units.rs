#[derive(Debug, Clone, Copy)]
pub struct Meters(pub f64);

pub fn meters(x: f64) -> Meters {
    Meters(x)
}
