//! Reads a request body the way JSON Schema (and so the OpenAPI document) reads it, where serde's
//! defaults differ in two ways:
//!
//! - `5.0` is an integer in JSON Schema (a number whose fraction is zero), so an integer field
//!   accepts it; serde would refuse it for a `u8`.
//! - An object field needs a JSON object; serde's derived structs would also take an array of
//!   their fields in order (`"now": [3, 4]`), which the document does not allow.
//!
//! Everything else is as `serde_json` reads a `Value`.

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::{Error, Value};

/// A parsed body, read strictly.
pub struct Strict<'a>(pub &'a Value);

/// The largest magnitude below which every whole `f64` is exactly an integer that fits an `i64`.
const WHOLE_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Unexpected::Other("number"), Unexpected::Float),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for Strict<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    // Truncation is exact here: `f` is whole and within ±2^53.
                    match f {
                        f if f.fract() == 0.0 && f.abs() < WHOLE_LIMIT => visitor.visit_i64(f as i64),
                        f => visitor.visit_f64(f),
                    }
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => {
                let mut rest = Items(items.iter());
                let value = visitor.visit_seq(&mut rest)?;
                // A tuple reads only its own length: an array with more is not one.
                match rest.0.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::invalid_length(items.len(), &"fewer elements in the array")),
                }
            }
            Value::Object(map) => visitor.visit_map(Fields { entries: map.iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &"an object")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(StrDeserializer::<Error>::new(s)),
            other => Err(de::Error::invalid_type(unexpected(other), &"a string")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(Strict(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(StrDeserializer::<Error>::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a value without its key"))?;
        seed.deserialize(Strict(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Score {
        consequence: u8,
        likelihood: u8,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Risk {
        now: Score,
        #[serde(default)]
        before: Option<Score>,
        target: f64,
    }

    fn read<T: for<'de> Deserialize<'de>>(value: serde_json::Value) -> Result<T, Error> {
        T::deserialize(Strict(&value))
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let risk: Risk = read(json!({"now": {"consequence": 3.0, "likelihood": 4}, "target": 2})).unwrap();
        assert_eq!(risk.now, Score { consequence: 3, likelihood: 4 });
        assert_eq!(risk.target, 2.0);
        assert!(read::<Risk>(json!({"now": {"consequence": 3.5, "likelihood": 4}, "target": 2})).is_err());
        assert!(read::<Score>(json!({"consequence": 300.0, "likelihood": 4})).is_err());
    }

    #[test]
    fn an_object_field_refuses_an_array_that_serde_would_take_in_order() {
        let serde_reads_it = serde_json::from_value::<Risk>(json!({"now": [3, 4], "target": 1.5}));
        assert!(serde_reads_it.is_ok(), "the quirk this module exists for");
        let error = read::<Risk>(json!({"now": [3, 4], "target": 1.5})).unwrap_err();
        assert!(error.to_string().contains("expected an object"), "{error}");
        assert!(read::<Risk>(json!([{"consequence": 1, "likelihood": 1}, null, 1.0])).is_err());
    }

    #[test]
    fn a_pair_is_exactly_two() {
        assert_eq!(read::<(String, String)>(json!(["a", "b"])).unwrap(), ("a".to_owned(), "b".to_owned()));
        assert!(read::<(String, String)>(json!(["a", "b", "c"])).is_err());
        assert!(read::<(String, String)>(json!(["a"])).is_err());
    }

    #[test]
    fn null_is_none_and_unit_enums_read_their_names() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "kebab-case")]
        enum Role {
            Admin,
            ImprovementLead,
        }
        let risk: Risk =
            read(json!({"now": {"consequence": 1, "likelihood": 1}, "before": null, "target": 1})).unwrap();
        assert_eq!(risk.before, None);
        assert_eq!(
            read::<Vec<Role>>(json!(["admin", "improvement-lead"])).unwrap(),
            [Role::Admin, Role::ImprovementLead]
        );
        assert!(read::<Role>(json!("owner")).is_err());
    }
}
