use crate::pong::Pong;

pub struct Ping {
    pub n: u32,
}

pub fn ping(p: &Pong) -> u32 {
    p.n
}
