//! Project params read field by field from their JSON copy. One small reader per field
//! type, shared by every params struct, instead of a derived deserializer per struct: the
//! derived ones were the largest functions of the `.wasm` (a visitor arm, duplicate check
//! and error path per field).

use crate::{Error, Result};
use serde_json::{Map, Value};

/// A params field type that can be read from a non-null JSON value.
pub trait Field: Sized {
    /// Reads `value` (never `null`); `key` names the field in the error.
    fn read(value: &Value, key: &str) -> Result<Self>;
}

/// `INVALID_PARAMS`: `key` has the wrong type.
fn wrong(key: &str, expected: &str) -> Error {
    Error::invalid(
        "INVALID_PARAMS",
        format!("Invalid project params: {key} must be {expected}"),
    )
}

/// Reads `obj[key]`: absent or `null` is the type's default (`None`). A wrong type reads as
/// the default too and leaves an `INVALID_PARAMS` error naming the key in `error` (the
/// first one wins): a struct is read whole and fails once, so no per-field early return
/// has to drop the fields read before it.
pub fn read<T: Field + Default>(
    obj: &Map<String, Value>,
    key: &str,
    error: &mut Option<Error>,
) -> T {
    match obj.get(key) {
        None | Some(Value::Null) => T::default(),
        Some(value) => T::read(value, key).unwrap_or_else(|e| {
            error.get_or_insert(e);
            T::default()
        }),
    }
}

impl<T: Field> Field for Option<T> {
    fn read(value: &Value, key: &str) -> Result<Self> {
        T::read(value, key).map(Some)
    }
}

impl Field for String {
    fn read(value: &Value, key: &str) -> Result<Self> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| wrong(key, "a string"))
    }
}

impl Field for f64 {
    fn read(value: &Value, key: &str) -> Result<Self> {
        value.as_f64().ok_or_else(|| wrong(key, "a number"))
    }
}

impl Field for bool {
    fn read(value: &Value, key: &str) -> Result<Self> {
        value.as_bool().ok_or_else(|| wrong(key, "a boolean"))
    }
}

impl Field for Value {
    fn read(value: &Value, _key: &str) -> Result<Self> {
        Ok(value.clone())
    }
}

impl<T: Field> Field for Vec<T> {
    fn read(value: &Value, key: &str) -> Result<Self> {
        let items = value.as_array().ok_or_else(|| wrong(key, "an array"))?;
        let item_key = format!("{key}[]");
        items.iter().map(|item| T::read(item, &item_key)).collect()
    }
}

/// Declares a params struct whose fields are read by [`read`] under the JSON key given
/// after each field (`pub steps: Option<f64> = "steps",`); the same key names the field in
/// the generated TypeScript type. Fields in the `flags { … }` block are not read from JSON
/// (the media-presence flags the caller fills in) and are left out of the TypeScript type.
/// The struct gets `read_fields(obj)`, and `Field` so it can be nested.
macro_rules! params_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident: $ty:ty = $key:literal,
            )*
        }
        flags {
            $(
                $(#[$smeta:meta])*
                pub $sfield:ident: $sty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        #[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
        #[cfg_attr(target_arch = "wasm32", serde(default))]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[cfg_attr(target_arch = "wasm32", serde(rename = $key))]
                pub $field: $ty,
            )*
            $(
                $(#[$smeta])*
                #[cfg_attr(target_arch = "wasm32", serde(skip))]
                pub $sfield: $sty,
            )*
        }

        impl $name {
            /// Reads the JSON-keyed fields of `obj`; the flag fields keep their defaults.
            pub fn read_fields(
                obj: &serde_json::Map<String, serde_json::Value>,
            ) -> $crate::Result<Self> {
                let mut error = None;
                let value = Self {
                    $( $field: $crate::projects::fields::read(obj, $key, &mut error), )*
                    $( $sfield: Default::default(), )*
                };
                match error {
                    Some(e) => Err(e),
                    None => Ok(value),
                }
            }
        }

        impl $crate::projects::fields::Field for $name {
            fn read(value: &serde_json::Value, key: &str) -> $crate::Result<Self> {
                match value.as_object() {
                    Some(obj) => Self::read_fields(obj),
                    None => Err($crate::Error::invalid(
                        "INVALID_PARAMS",
                        format!("Invalid project params: {key} must be an object"),
                    )),
                }
            }
        }
    };
}
pub(crate) use params_struct;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    params_struct! {
        /// A test struct.
        pub struct Sample {
            /// A name.
            pub name: String = "name",
            /// A count.
            pub count: Option<f64> = "count",
            /// Tags.
            pub tags: Option<Vec<String>> = "tags",
            /// Anything.
            pub extra: Option<Value> = "extraData",
            /// Nested.
            pub inner: Option<Inner> = "inner",
        }
        flags {
            /// Not read.
            pub seen: bool,
        }
    }

    params_struct! {
        /// Nested.
        pub struct Inner {
            /// On or off.
            pub on: Option<bool> = "on",
        }
        flags {}
    }

    fn sample(v: Value) -> Result<Sample> {
        Sample::read_fields(v.as_object().unwrap())
    }

    #[test]
    fn fields_are_read_under_their_keys_and_absent_or_null_is_the_default() {
        let s = sample(
            json!({"name": "a", "count": 2, "tags": ["x"], "extraData": {"k": 1},
                              "inner": {"on": true}, "seen": true, "unknown": 5}),
        )
        .unwrap();
        assert_eq!(s.name, "a");
        assert_eq!(s.count, Some(2.0));
        assert_eq!(s.tags, Some(vec!["x".to_string()]));
        assert_eq!(s.extra, Some(json!({"k": 1})));
        assert_eq!(s.inner, Some(Inner { on: Some(true) }));
        assert!(!s.seen, "flags are not read from JSON");
        assert_eq!(
            sample(json!({"name": null, "count": null})).unwrap(),
            Sample::default()
        );
    }

    #[test]
    fn a_wrong_type_names_the_key() {
        let message = |v: Value| match sample(v) {
            Err(Error::InvalidInput { code, message }) => {
                assert_eq!(code, "INVALID_PARAMS");
                message
            }
            other => panic!("expected INVALID_PARAMS, got {other:?}"),
        };
        assert!(message(json!({"count": "2"})).contains("count must be a number"));
        assert!(message(json!({"name": 1})).contains("name must be a string"));
        assert!(message(json!({"tags": ["a", 1]})).contains("tags[] must be a string"));
        assert!(message(json!({"tags": "a"})).contains("tags must be an array"));
        assert!(message(json!({"inner": {"on": "yes"}})).contains("on must be a boolean"));
        assert!(message(json!({"inner": 3})).contains("inner must be an object"));
    }
}
