/// Counts down from `n` to 0.
pub struct Countdown {
    pub n: u32,
}

pub type Counter = Countdown;

impl std::iter::Iterator for Countdown {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.n == 0 {
            None
        } else {
            self.n -= 1;
            Some(self.n)
        }
    }
}

impl core::convert::From<u32> for Countdown {
    fn from(n: u32) -> Self {
        Countdown { n }
    }
}

impl Default for Countdown {
    fn default() -> Self {
        Countdown { n: 10 }
    }
}

items! {
    impl crate::Named for Countdown {
        fn name(&self) -> &'static str {
            "countdown"
        }
    }
}

pub struct Guard {
    pub label: &'static str,
}

impl Drop for Guard {
    fn drop(&mut self) {
        release(self.label);
    }
}

fn release(label: &str) {
    let s = String::from(label);
}

pub fn count_all(n: u32) -> u32 {
    let mut c = Countdown::from(n);
    let mut total = 0;
    while let Some(v) = c.next() {
        total += v;
    }
    total
}

pub struct Tally {
    pub count: u32,
}

pub struct Report {
    pub tally: Tally,
}

pub fn tally(n: u32) -> Tally {
    Tally { count: n }
}

pub fn bump(t: &mut Tally) {
    t.count += 1;
}

pub union Bits {
    pub i: u32,
    pub f: f32,
}
