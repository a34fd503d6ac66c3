#![allow(dead_code, unused)]

pub const LIMIT: i32 = 100;

pub fn double(x: i32) -> i32 {
    helper(x) * 2
}

fn helper(x: i32) -> i32 {
    if x > LIMIT {
        LIMIT
    } else {
        x
    }
}

mod inner {
    pub fn inside() -> i32 {
        super::double(21)
    }
}
