//! A JSON body extractor whose every rejection is a clean error in the API's one shape.
//!
//! The body is read the way the OpenAPI document's JSON Schema reads it: a number with no
//! fractional part is an integer whatever its spelling, so `1280.0` and `1.28e3` are `1280`
//! wherever an integer is asked for (serde alone would refuse them).

use super::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use portal_api::error::ErrorCode;
use serde::de::{DeserializeOwned, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Document(value) = match axum::Json::<Document>::from_request(req, state).await {
            Ok(axum::Json(document)) => document,
            Err(rejection) => return Err(reject(rejection)),
        };
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|e| {
                invalid_json(format!(
                    "Failed to deserialize the JSON body into the target type: {e}"
                ))
            })
    }
}

fn invalid_json(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, message)
}

fn reject(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with Content-Type: application/json.",
        ),
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!(
                    "The body is larger than {} bytes.",
                    portal_api::rules::MAX_JSON_BODY_BYTES
                ),
            )
        }
        JsonRejection::BytesRejection(_) => invalid_json("The body could not be read."),
        // Syntax and data errors name the line, column and expected type: useful to a developer,
        // and they echo nothing secret beyond what the caller sent.
        other => invalid_json(other.body_text()),
    }
}

/// A JSON document with every integral number stored as an integer. A key repeated in an
/// object is refused, as reading straight into a struct refuses it.
struct Document(Value);

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor).map(Document)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(number(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Document(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let Document(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// `v` as an integer when it is one that i64 or u64 holds, else as it is.
fn number(v: f64) -> Value {
    // 2^63 and 2^64, exactly: the first values past i64::MAX and u64::MAX.
    const I64_END: f64 = 9_223_372_036_854_775_808.0;
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    if v.fract() == 0.0 {
        if (-I64_END..I64_END).contains(&v) {
            return Value::from(v as i64);
        }
        if (0.0..U64_END).contains(&v) {
            return Value::from(v as u64);
        }
    }
    Value::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, String> {
        serde_json::from_str::<Document>(text)
            .map(|Document(v)| v)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integral_numbers_are_integers_however_spelt() {
        assert_eq!(
            read("[1280.0, 1.28e3, -0.0, 5]").unwrap(),
            serde_json::json!([1280, 1280, 0, 5])
        );
        assert_eq!(
            read("1.8e19").unwrap(),
            Value::from(18_000_000_000_000_000_000u64)
        );
        assert!(read("1.5").unwrap().is_f64());
        assert!(read("1e20").unwrap().is_f64());
        let minor: i64 = serde_json::from_value(read("739843734.0").unwrap()).unwrap();
        assert_eq!(minor, 739_843_734);
    }

    #[test]
    fn a_repeated_key_is_refused() {
        let e = read(r#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
        assert!(e.contains("duplicate field `b`"), "{e}");
        assert_eq!(
            read(r#"{"a": 1, "b": [null, true, "x"]}"#).unwrap(),
            serde_json::json!({"a": 1, "b": [null, true, "x"]})
        );
    }
}
