#![allow(dead_code, unused)]
//! A crate that does not compile on purpose: `bad.rs` has syntax errors,
//! `latin.rs` is not UTF-8, and `x.rs` is binary data.

mod bad;
mod latin;

pub fn healthy() -> u32 {
    bad::before_error() + 1
}

pub struct Fine {
    pub v: u32,
}
