//! The whole app, signed-in area included; loaded on demand by the public bundle.

fn main() {
    portal_web::start_whole();
}
