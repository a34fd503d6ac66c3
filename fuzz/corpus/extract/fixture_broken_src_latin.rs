// Latin-1 text, not UTF-8: café crème brûlée
pub fn latin_fn() -> u32 {
    7 // été
}

pub struct LatinStruct;
