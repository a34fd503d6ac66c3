// Syntax errors on purpose; the items around them are fine.

pub fn before_error() -> u32 {
    41
}

pub fn broken_body() -> u32 {
    let x = ;
    x + 1
}

pub struct Survivor {
    pub n: u32,
}

pub fn after_error() -> u32 {
    before_error()
}

// An unfinished item at the end of the file.
pub fn dangling(a: u32 -> u32 {
