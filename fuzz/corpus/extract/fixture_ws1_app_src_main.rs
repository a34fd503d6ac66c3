#![allow(dead_code, unused)]
//! Binary crate of package `app-cli` (crate name `app_cli`).

mod report;

mod cli {
    pub fn parse(args: &[String]) -> usize {
        args.len()
    }

    pub mod nested {
        pub fn deep() -> u32 {
            super::helper()
        }
    }

    fn helper() -> u32 {
        7
    }
}

use geom::dot_product as dp;
use geom::vector::Vec2;
use shapes::measure::{self, area_of};
use shapes::{Area, Circle, Point, Rectangle};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count = cli::parse(&args);
    let c = Circle::new(Point::new(0.0, 0.0), 1.0);
    let c2 = c.clone();
    let a = area_of(&c);
    let m = measure::circle_area(&c);
    let r = Rectangle::square(2.0);
    let ra = r.area();
    let v = Vec2::new(3.0, 4.0);
    let len = v.norm();
    let d = dp(1.0, 0.0, 0.0, 1.0);
    let n = cli::nested::deep();
    report::print_report(&c);
    let off = c.offset();
    let total = shapes::iter::count_all(3);
    let mut log: Vec<String> = Vec::new();
}
