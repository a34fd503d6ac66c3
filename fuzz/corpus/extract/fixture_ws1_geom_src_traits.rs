/// Something with an area.
pub trait Area {
    fn area(&self) -> f64;

    fn describe(&self) -> String {
        let a = self.area();
        format!("area={}", a)
    }
}

/// Something with a static name.
pub trait Named {
    fn name(&self) -> &'static str;
}

/// An impl for a type from outside the workspace.
impl Named for Vec<crate::point::Point> {
    fn name(&self) -> &'static str {
        "points"
    }
}
