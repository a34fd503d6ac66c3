pub fn next_id() -> u32 {
    7
}
