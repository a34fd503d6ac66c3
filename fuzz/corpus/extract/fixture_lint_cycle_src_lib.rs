//! Fixture for tests/clients/lint.sh: modules `a` and `b` depend on each
//! other (a cycle); `util` is used by `a` only and is not part of it.
pub mod a;
pub mod b;
pub mod util;

pub fn make() -> a::Alpha {
    a::Alpha { beta: None, id: util::next_id() }
}
