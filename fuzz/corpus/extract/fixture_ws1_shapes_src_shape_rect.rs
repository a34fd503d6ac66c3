#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(w: f64, h: f64) -> Rect {
        Rect { w, h }
    }

    pub fn square(side: f64) -> Rect {
        Rect::new(side, side)
    }
}

impl geom::traits::Area for Rect {
    fn area(&self) -> f64 {
        self.w * self.h
    }
}

impl std::fmt::Display for Rect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.w, self.h)
    }
}

impl Rect {
    pub fn describe(&self) -> String {
        String::from("rect")
    }
}
