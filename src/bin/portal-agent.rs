//! The support console; loaded on demand by the public bundle for its addresses.

fn main() {
    portal_web::start_console();
}
