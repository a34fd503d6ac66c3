#![allow(dead_code, unused)]
// A loose file: no Cargo.toml anywhere above it in the fixture.

pub trait Speak {
    fn speak(&self) -> String;
}

pub struct Dog;
pub struct Cat {
    pub lives: u8,
}

impl Speak for Dog {
    fn speak(&self) -> String {
        String::from("woof")
    }
}

impl Speak for Cat {
    fn speak(&self) -> String {
        String::from("meow")
    }
}

pub fn chorus(d: &Dog, c: &Cat) -> usize {
    d.speak().len() + c.speak().len()
}
