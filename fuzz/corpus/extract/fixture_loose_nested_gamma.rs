#![allow(dead_code, unused)]

#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Fast,
    Slow,
}

pub fn pick(fast: bool) -> Mode {
    if fast {
        Mode::Fast
    } else {
        Mode::Slow
    }
}

pub type Picker = fn(bool) -> Mode;
