// Module `geom::util`, loaded through #[path = "support/helpers.rs"].

pub fn square(v: f64) -> f64 {
    v * v
}

pub fn clamp_u32(v: u32, lo: u32, hi: u32) -> u32 {
    if v < lo {
        lo
    } else if v > hi {
        hi
    } else {
        v
    }
}
