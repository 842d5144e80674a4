//! The domain types: an article, its id and title, and the paging parameters of a list.
//!
//! Every type here is built only by a `parse` that returns a typed error, so code past the
//! HTTP edge never sees a raw string it would have to check again.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// The longest title accepted, in characters (Unicode scalar values).
pub const MAX_TITLE_CHARS: usize = 255;
/// The page size used when a list request names none.
pub const DEFAULT_LIMIT: u16 = 100;
/// The largest page size a list request may ask for.
pub const MAX_LIMIT: u16 = 1000;

/// Why a piece of client input was refused; each message is safe to show to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    /// The title is empty or only whitespace.
    #[error("title must not be blank")]
    BlankTitle,
    /// The title is longer than [`MAX_TITLE_CHARS`].
    #[error("title must be at most {MAX_TITLE_CHARS} characters, got {0}")]
    TitleTooLong(usize),
    /// The title holds a control character (newline, tab, NUL, ...).
    #[error("title must not contain control characters")]
    TitleControlCharacter,
    /// `limit` is not an integer in `1..=MAX_LIMIT`.
    #[error("limit must be an integer from 1 to {MAX_LIMIT}")]
    Limit,
    /// `cursor` is not one this API handed out.
    #[error("cursor is not valid; use the one from a Link header")]
    Cursor,
    /// The request body is not the JSON this route expects.
    #[error("{0}")]
    Body(String),
}

/// An article's id: a positive integer that fits an `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ArticleId(i64);

impl ArticleId {
    /// Parses a path segment; `None` for anything but a positive decimal integer that fits an
    /// `i64` (the route answers 404 for those, as for any unknown path).
    pub fn parse(segment: &str) -> Option<Self> {
        if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        segment.parse::<i64>().ok().and_then(Self::new)
    }

    /// Wraps a number, `None` unless it is positive.
    pub fn new(value: i64) -> Option<Self> {
        (value > 0).then_some(Self(value))
    }

    /// The number itself.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A title: trimmed, not blank, at most [`MAX_TITLE_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Title(String);

impl Title {
    /// Trims `raw` and checks it.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the rule the title breaks.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(InvalidInput::BlankTitle);
        }
        let chars = trimmed.chars().count();
        if chars > MAX_TITLE_CHARS {
            return Err(InvalidInput::TitleTooLong(chars));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidInput::TitleControlCharacter);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The title text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether an article is live or soft-deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Live: returned by every read route.
    Created,
    /// Soft-deleted: never returned, edited or deleted again.
    Deleted,
}

impl Status {
    /// The wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Deleted => "deleted",
        }
    }

    /// Reads the storage spelling back.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "created" => Some(Self::Created),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// A creation time: UTC with whole seconds, so it always prints as `2026-12-03T16:06:53Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created(DateTime<Utc>);

impl Created {
    /// The current time, truncated to whole seconds.
    pub fn now() -> Self {
        Self(Utc::now().trunc_subsecs(0))
    }

    /// Parses an RFC 3339 timestamp and drops any fraction of a second.
    pub fn parse(raw: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(raw)
            .ok()
            .map(|t| Self(t.with_timezone(&Utc).trunc_subsecs(0)))
    }
}

impl fmt::Display for Created {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl Serialize for Created {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An article as stored and as returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    /// Assigned by the store from the atomic counter.
    pub id: ArticleId,
    /// The validated title.
    pub title: Title,
    /// When it was created.
    pub created: Created,
    /// Live or soft-deleted.
    pub status: Status,
}

/// How many articles one list page may hold: `1..=MAX_LIMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u16);

impl Limit {
    /// Parses the `limit` query parameter.
    ///
    /// # Errors
    /// [`InvalidInput::Limit`] unless it is a decimal integer in range.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        if raw.is_empty() || raw.len() > 4 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::Limit);
        }
        match raw.parse::<u16>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Self(n)),
            _ => Err(InvalidInput::Limit),
        }
    }

    /// The page size.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(DEFAULT_LIMIT)
    }
}

/// Where the next list page starts: an opaque token that encodes the last id already returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(ArticleId);

impl Cursor {
    const PREFIX: &'static str = "after:";

    /// The cursor for the page that follows `last`.
    pub fn after(last: ArticleId) -> Self {
        Self(last)
    }

    /// Decodes a cursor this API handed out.
    ///
    /// # Errors
    /// [`InvalidInput::Cursor`] for anything else.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| InvalidInput::Cursor)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| InvalidInput::Cursor)?;
        text.strip_prefix(Self::PREFIX)
            .and_then(ArticleId::parse)
            .map(Self)
            .ok_or(InvalidInput::Cursor)
    }

    /// The last id already returned; the next page holds only larger ids.
    pub fn last_seen(self) -> ArticleId {
        self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(format!("{}{}", Self::PREFIX, self.0)))
    }
}

/// The body of `POST /articles` and `POST /articles/{id}`, as sent by the client.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleBody {
    title: String,
}

impl TitleBody {
    /// Parses a JSON body into a validated title.
    ///
    /// # Errors
    /// [`InvalidInput::Body`] for malformed JSON, a wrong type, a missing or unknown field;
    /// the title's own error when the title breaks a rule.
    pub fn parse(body: &[u8]) -> Result<Title, InvalidInput> {
        // serde would also read a struct from an array (`["x"]`); only an object is accepted.
        if body.trim_ascii_start().first() != Some(&b'{') {
            return Err(InvalidInput::Body(NOT_AN_OBJECT.to_owned()));
        }
        let parsed: Self = serde_json::from_slice(body).map_err(|e| {
            InvalidInput::Body(match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    format!(
                        "request body is not valid JSON (line {}, column {})",
                        e.line(),
                        e.column()
                    )
                }
                _ => describe_shape_error(&e),
            })
        })?;
        Title::parse(&parsed.title)
    }
}

const NOT_AN_OBJECT: &str = "request body must be a JSON object like {\"title\": \"...\"}";

/// Rewords serde's type errors so they name the field and the problem, and nothing internal.
fn describe_shape_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.starts_with("unknown field") {
        let field = msg.split('`').nth(1).unwrap_or("?");
        format!("unknown field `{field}`; the only field is `title`")
    } else if msg.starts_with("missing field") {
        "field `title` is required".to_owned()
    } else if msg.contains("expected a string") {
        "field `title` must be a string".to_owned()
    } else {
        NOT_AN_OBJECT.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed() {
        assert_eq!(Title::parse("  Hello  ").unwrap().as_str(), "Hello");
    }

    #[test]
    fn blank_titles_are_rejected() {
        assert_eq!(Title::parse(""), Err(InvalidInput::BlankTitle));
        assert_eq!(Title::parse(" \t\n "), Err(InvalidInput::BlankTitle));
    }

    #[test]
    fn titles_count_characters_not_bytes() {
        let max = "é".repeat(MAX_TITLE_CHARS);
        assert!(Title::parse(&max).is_ok());
        let over = "é".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(
            Title::parse(&over),
            Err(InvalidInput::TitleTooLong(MAX_TITLE_CHARS + 1))
        );
    }

    #[test]
    fn titles_with_control_characters_are_rejected() {
        for bad in ["a\nb", "a\u{0}b", "a\u{7f}b", "a\u{85}b"] {
            assert_eq!(
                Title::parse(bad),
                Err(InvalidInput::TitleControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ids_are_positive_i64_decimal_integers() {
        assert_eq!(ArticleId::parse("1").map(ArticleId::get), Some(1));
        assert_eq!(
            ArticleId::parse("9223372036854775807").map(ArticleId::get),
            Some(i64::MAX)
        );
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "1.0",
            "1e3",
            "abc",
            " 1",
            "9223372036854775808",
        ] {
            assert_eq!(ArticleId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn limits_outside_one_to_a_thousand_are_rejected() {
        assert_eq!(Limit::parse("1").map(Limit::get), Ok(1));
        assert_eq!(Limit::parse("1000").map(Limit::get), Ok(1000));
        for bad in ["", "0", "1001", "-1", "10.5", "ten", "00001"] {
            assert_eq!(Limit::parse(bad), Err(InvalidInput::Limit), "{bad:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let cursor = Cursor::after(ArticleId::new(42).unwrap());
        let text = cursor.to_string();
        assert_eq!(Cursor::parse(&text), Ok(cursor));
        for bad in [
            "",
            "42",
            "!!!",
            &URL_SAFE_NO_PAD.encode("after:0"),
            &URL_SAFE_NO_PAD.encode("before:4"),
        ] {
            assert_eq!(Cursor::parse(bad), Err(InvalidInput::Cursor), "{bad:?}");
        }
    }

    #[test]
    fn created_prints_whole_seconds_in_utc() {
        let t = Created::parse("2026-12-03T17:06:53.987+01:00").unwrap();
        assert_eq!(t.to_string(), "2026-12-03T16:06:53Z");
        assert!(!Created::now().to_string().contains('.'));
    }

    #[test]
    fn bodies_must_hold_exactly_a_string_title() {
        assert_eq!(
            TitleBody::parse(br#"{"title":" x "}"#).unwrap().as_str(),
            "x"
        );
        let cases: [(&[u8], &str); 6] = [
            (b"", "JSON object"),
            (b"{", "not valid JSON"),
            (b"{\"title\": 5}", "must be a string"),
            (b"{}", "is required"),
            (b"{\"title\":\"a\",\"x\":1}", "unknown field `x`"),
            (b"[1]", "JSON object"),
        ];
        for (body, expected) in cases {
            match TitleBody::parse(body) {
                Err(InvalidInput::Body(msg)) => assert!(msg.contains(expected), "{msg}"),
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
            }
        }
    }
}
