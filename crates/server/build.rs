// `sqlx::migrate!` embeds the migration files when the crate compiles; without this, a new
// migration file would not be seen until some Rust file changed too.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
