use super::ping::Ping;

pub struct Pong {
    pub n: u32,
}

pub fn pong(p: &Ping) -> u32 {
    p.n
}
