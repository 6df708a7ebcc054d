//! A query built clause by clause for the filters a request gives (history, the support queue),
//! with numbered placeholders and its values bound in order.

pub enum Arg {
    Int(i64),
    Text(String),
}

#[derive(Default)]
pub struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Takes a value and answers its placeholder (`$n`) for the text.
    pub fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// Not kept as a prepared statement: PostgreSQL plans it with its values every time, as a plan
    /// made once for any values cannot tell a rare filter value from a common one (a rare word's
    /// trigram index against the history newest first, say).
    pub fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text).persistent(false);
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
            };
        }
        q
    }
}
