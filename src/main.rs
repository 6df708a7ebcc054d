//! The public bundle: what the sign-in page loads first.

fn main() {
    portal_web::start_public();
}
