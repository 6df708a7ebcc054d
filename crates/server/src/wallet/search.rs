//! Text search over the history (`q`): which rows match, and which index finds them.
//!
//! What matches is `LIKE` alone: the search is cut into words at whitespace, in the form
//! `search_text` stores (NFKC, lower case), and a row matches when its search text contains every
//! word, `%`, `_` and `\` standing for themselves. The trigram indexes of migration 14 only narrow
//! the rows that LIKE reads, and only for the words they can find:
//!
//! - SQLite (FTS5, trigram tokenizer, any script): words of three characters or more. Its index
//!   holds every wallet, so it is read only when the whole store has few rows with the words
//!   ([`RARE_IN_STORE`]); a word more common than that is usually found soon by reading the wallet
//!   newest first, a window at a time (below).
//! - PostgreSQL (pg_trgm, with the wallet in the same GIN index through btree_gin): words with
//!   three ASCII letters or digits in a row. pg_trgm takes trigrams only from letters and digits as
//!   the database's locale classifies them (under the C locale, only ASCII ones), and a word it
//!   finds no trigram in makes the index scan the whole wallet: worse than reading it in date
//!   order. The planner chooses between the index and the history newest first, from its
//!   statistics and the words themselves (the query is planned with its values every time).
//!
//! Words of one or two characters (`渋谷`, `%`) have no trigram: no index can find them, and they
//! are matched by LIKE alone, reading the wallet newest first. One request reads at most
//! `history::UNINDEXED_SEARCH_ROWS` rows; a page that has not filled by then says how far back it
//! searched, and its cursor goes on from there.

use crate::db::Db;

/// The most rows in the whole store with the searched words for SQLite to read them through the
/// trigram index: each costs about 2 µs to fetch and check, so a page stays within a few ms.
pub const RARE_IN_STORE: i64 = 2_000;

/// The words of a search, in the form `search_text` stores.
pub fn words(q: &str) -> Vec<String> {
    super::search_text(&[Some(q)])
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The `LIKE` pattern of text containing `word`, with `\`, `%` and `_` escaped (`ESCAPE '\'`) so
/// that they match only themselves.
pub fn like_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Whether pg_trgm finds trigrams of `word` whatever the database's locale: three ASCII letters
/// or digits in a row.
pub fn postgres_indexable(word: &str) -> bool {
    let mut run = 0;
    for c in word.chars() {
        run = if c.is_ascii_alphanumeric() {
            run + 1
        } else {
            0
        };
        if run == 3 {
            return true;
        }
    }
    false
}

/// The FTS5 query that finds the rows containing every word of three characters or more (each a
/// quoted phrase of its trigrams, so exactly those containing it), or `None` when there is no
/// such word.
pub fn fts_query(words: &[String]) -> Option<String> {
    let phrases: Vec<String> = words
        .iter()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

/// Whether the whole store (every wallet) has at most [`RARE_IN_STORE`] rows matching the FTS5
/// query `fts`. Counts no further than that.
pub async fn rare_in_store(db: &Db, fts: &str) -> Result<bool, sqlx::Error> {
    let (found,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT rowid FROM wallet_search WHERE wallet_search MATCH $1 LIMIT $2)",
    )
    .bind(fts)
    .bind(RARE_IN_STORE + 1)
    .fetch_one(&db.pool)
    .await?;
    Ok(found <= RARE_IN_STORE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_patterns_escaped() {
        assert_eq!(words("  ＬＡＷＳＯＮ\t渋谷 "), ["lawson", "渋谷"]);
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn postgres_reads_the_index_for_three_ascii_letters_or_digits_in_a_row() {
        for yes in ["abc", "7-eleven", "ekiben", "x100", "éclair"] {
            assert!(postgres_indexable(yes), "{yes}");
        }
        for no in ["ab", "a-b-c", "ローソン", "é1é", "%%%", "__a"] {
            assert!(!postgres_indexable(no), "{no}");
        }
    }

    #[test]
    fn the_fts_query_quotes_each_word_of_three_characters() {
        let w = |ws: &[&str]| ws.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(fts_query(&w(&["ab", "渋谷"])), None);
        assert_eq!(
            fts_query(&w(&["ab", "ローソン", "say\"hi\"", "a*b"])).as_deref(),
            Some("\"ローソン\" AND \"say\"\"hi\"\"\" AND \"a*b\"")
        );
    }
}
