//! Second workspace folder for the multi-root test.
pub fn alpha() -> u32 {
    beta() + 1
}

pub fn beta() -> u32 {
    41
}
