use super::cycle_a;

pub fn pong(n: u32) -> u32 {
    if n == 0 {
        1
    } else {
        cycle_a::ping(n - 1)
    }
}
