pub fn dot(ax: f64, ay: f64, bx: f64, by: f64) -> f64 {
    ax * bx + ay * by
}

pub fn scale(x: f64, y: f64, k: f64) -> (f64, f64) {
    (x * k, y * k)
}

pub mod inner {
    use super::*;

    pub fn dot_self(x: f64, y: f64) -> f64 {
        dot(x, y, x, y)
    }

    pub mod deeper {
        pub fn twice(x: f64) -> f64 {
            super::super::scale(x, x, 2.0).0
        }
    }
}
