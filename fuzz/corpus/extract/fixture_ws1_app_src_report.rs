use shapes::{Area, Named};
use std::fmt::Display;

pub struct Blob;

impl Area for Blob {
    fn area(&self) -> f64 {
        0.0
    }
}

pub fn print_report<S: Area + Display>(s: &S) {
    let a = s.area();
    let text = s.to_string();
    println!("{} {}", text, a);
}

pub fn print_named(n: &dyn Named) -> &'static str {
    n.name()
}
