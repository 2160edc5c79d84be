fn main() { println!("{}", replscope_core::VERSION); }
