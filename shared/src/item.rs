//! The DynamoDB item layout and its mapping to domain types, in one place.
//!
//! One table holds everything. Its partition key is the number `id`. Articles have `id >= 1`;
//! the id counter is the item with `id = 0`, whose `last_id` attribute is the last id handed
//! out. A live article also carries `live = 1`, which puts it into the sparse index
//! [`LIVE_INDEX`] (partition `live`, sort `id`); deleting removes `live`, and with it the
//! article from the index.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::model::{Article, ArticleId, Created, Status, Title};

/// The partition key: a number.
pub const ID: &str = "id";
/// The article's title.
pub const TITLE: &str = "title";
/// RFC 3339 creation time, whole seconds.
pub const CREATED: &str = "created";
/// `created` or `deleted`.
pub const STATUS: &str = "status";
/// Present (always `1`) only on live articles: the sparse index's partition key.
pub const LIVE: &str = "live";
/// On the counter item: the last id handed out.
pub const LAST_ID: &str = "last_id";
/// The sparse global secondary index of live articles in id order.
pub const LIVE_INDEX: &str = "live-by-id";
/// The value of [`LIVE`] on every live article.
pub const LIVE_VALUE: &str = "1";
/// The `id` of the counter item.
pub const COUNTER_ID: &str = "0";

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// An item that does not hold a well-formed article.
#[derive(Debug, thiserror::Error)]
#[error("stored item is malformed: attribute `{attribute}` is {problem}")]
pub struct MalformedItem {
    attribute: &'static str,
    problem: &'static str,
}

/// A number attribute.
pub fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// The key of an article's item.
pub fn article_key(id: ArticleId) -> Item {
    HashMap::from([(ID.to_owned(), number(id))])
}

/// The key of the counter item.
pub fn counter_key() -> Item {
    HashMap::from([(ID.to_owned(), AttributeValue::N(COUNTER_ID.to_owned()))])
}

impl From<&Article> for Item {
    fn from(article: &Article) -> Self {
        let mut item = HashMap::with_capacity(5);
        item.insert(ID.to_owned(), number(article.id));
        item.insert(
            TITLE.to_owned(),
            AttributeValue::S(article.title.as_str().to_owned()),
        );
        item.insert(
            CREATED.to_owned(),
            AttributeValue::S(article.created.to_string()),
        );
        item.insert(
            STATUS.to_owned(),
            AttributeValue::S(article.status.as_str().to_owned()),
        );
        if article.status == Status::Created {
            item.insert(LIVE.to_owned(), AttributeValue::N(LIVE_VALUE.to_owned()));
        }
        item
    }
}

impl TryFrom<&Item> for Article {
    type Error = MalformedItem;

    fn try_from(item: &Item) -> Result<Self, Self::Error> {
        let id = item
            .get(ID)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .and_then(ArticleId::new)
            .ok_or(MalformedItem {
                attribute: ID,
                problem: "not a positive integer",
            })?;
        let title = string(item, TITLE)
            .and_then(|s| Title::parse(s).ok())
            .ok_or(MalformedItem {
                attribute: TITLE,
                problem: "not a valid title",
            })?;
        let created = string(item, CREATED)
            .and_then(Created::parse)
            .ok_or(MalformedItem {
                attribute: CREATED,
                problem: "not an RFC 3339 time",
            })?;
        let status = string(item, STATUS)
            .and_then(Status::parse)
            .ok_or(MalformedItem {
                attribute: STATUS,
                problem: "neither `created` nor `deleted`",
            })?;
        Ok(Self {
            id,
            title,
            created,
            status,
        })
    }
}

/// Reads the counter's new value from an `UpdateItem` that returned `UPDATED_NEW`.
///
/// # Errors
/// [`MalformedItem`] unless `last_id` is a positive integer.
pub fn last_id(attributes: Option<&Item>) -> Result<ArticleId, MalformedItem> {
    attributes
        .and_then(|a| a.get(LAST_ID))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok())
        .and_then(ArticleId::new)
        .ok_or(MalformedItem {
            attribute: LAST_ID,
            problem: "not a positive integer",
        })
}

fn string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(status: Status) -> Article {
        Article {
            id: ArticleId::new(7).unwrap(),
            title: Title::parse("Seven").unwrap(),
            created: Created::parse("2026-12-03T16:06:53Z").unwrap(),
            status,
        }
    }

    #[test]
    fn articles_round_trip_through_items() {
        for status in [Status::Created, Status::Deleted] {
            let a = article(status);
            let item = Item::from(&a);
            assert_eq!(Article::try_from(&item).unwrap(), a);
        }
    }

    #[test]
    fn only_live_articles_carry_the_index_key() {
        assert_eq!(
            Item::from(&article(Status::Created))[LIVE],
            AttributeValue::N("1".into())
        );
        assert!(!Item::from(&article(Status::Deleted)).contains_key(LIVE));
    }

    #[test]
    fn malformed_items_are_errors_not_panics() {
        let good = Item::from(&article(Status::Created));
        for (attr, bad) in [
            (ID, AttributeValue::S("7".into())),
            (ID, AttributeValue::N("0".into())),
            (TITLE, AttributeValue::S(" ".into())),
            (CREATED, AttributeValue::S("yesterday".into())),
            (STATUS, AttributeValue::S("archived".into())),
        ] {
            let mut item = good.clone();
            item.insert(attr.to_owned(), bad);
            assert!(Article::try_from(&item).is_err(), "{attr}");
            item.remove(attr);
            assert!(Article::try_from(&item).is_err(), "{attr} missing");
        }
    }

    #[test]
    fn the_counter_value_must_be_a_positive_integer() {
        let ok = HashMap::from([(LAST_ID.to_owned(), number(4))]);
        assert_eq!(last_id(Some(&ok)).unwrap().get(), 4);
        assert!(last_id(None).is_err());
        let bad = HashMap::from([(LAST_ID.to_owned(), AttributeValue::S("4".into()))]);
        assert!(last_id(Some(&bad)).is_err());
    }
}
