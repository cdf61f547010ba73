//! The map, list, positioned-value and tagged-enum accessors of the deserializer.

use super::{De, DeError, DeErrorKind, SPANNED_FIELDS, scalar_pos};
use crate::raw::common::Pos;
use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;
use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

/// Entries of a mapping.
pub(super) struct MapAcc<'a, 'b> {
    pub(super) de: &'b De<'a>,
    entries: std::vec::IntoIter<(&'a MarkedScalarNode, &'a Node)>,
    value: Option<(&'a MarkedScalarNode, &'a Node)>,
}

impl<'a, 'b> MapAcc<'a, 'b> {
    pub(super) fn new(de: &'b De<'a>, entries: Vec<(&'a MarkedScalarNode, &'a Node)>) -> Self {
        MapAcc {
            de,
            entries: entries.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for MapAcc<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((k, v));
        let key_node = Node::Scalar(k.clone());
        let key_de = De {
            node: &key_node,
            key_pos: None,
            path: self.de.path.clone(),
        };
        let r = seed.deserialize(key_de);
        let r = r.map_err(|mut e| {
            e.pos.get_or_insert(scalar_pos(k));
            e
        });
        r.map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some((k, v)) => seed.deserialize(self.de.child(v, Some(scalar_pos(k)), k.as_str())),
            None => Err(de::Error::custom("a value was read before its key")),
        }
    }
}

/// Items of a list.
pub(super) struct SeqAcc<'a, 'b> {
    pub(super) de: &'b De<'a>,
    pub(super) items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
}

impl<'de> SeqAccess<'de> for SeqAcc<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some((i, node)) => seed
                .deserialize(self.de.child(node, None, &i.to_string()))
                .map(Some),
            None => Ok(None),
        }
    }
}

/// Sends a node's position, then the node, to `Spanned`.
pub(super) struct SpannedAcc<'a> {
    pub(super) de: Option<De<'a>>,
    pub(super) step: usize,
}

impl<'de> MapAccess<'de> for SpannedAcc<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match SPANNED_FIELDS.get(self.step) {
            Some(name) if self.de.is_some() => {
                let d: de::value::StrDeserializer<'_, DeError> = name.into_deserializer();
                seed.deserialize(d).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let step = self.step;
        self.step += 1;
        let Some(de) = self.de.as_ref() else {
            return Err(de::Error::custom("a positioned value was read twice"));
        };
        let pos = de.pos();
        match step {
            0 => seed.deserialize((pos.source as u64).into_deserializer()),
            1 => seed.deserialize(u64::from(pos.line).into_deserializer()),
            2 => seed.deserialize(u64::from(pos.col).into_deserializer()),
            _ => match self.de.take() {
                Some(de) => seed.deserialize(de),
                None => Err(de::Error::custom("a positioned value was read twice")),
            },
        }
    }
}

/// A mapping read as an enum: the `type` key names the variant, the other keys are its fields.
pub(super) struct Tagged<'a, 'b> {
    pub(super) de: &'b De<'a>,
    pub(super) tag: &'a Node,
    pub(super) tag_pos: Pos,
    pub(super) rest: Vec<(&'a MarkedScalarNode, &'a Node)>,
}

impl<'de, 'a, 'b> EnumAccess<'de> for Tagged<'a, 'b> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let tag_de = self.de.child(self.tag, Some(self.tag_pos), "type");
        let v = seed.deserialize(TagDe(tag_de))?;
        Ok((v, self))
    }
}

/// Reads the `type` value as a variant name, with the value's position on errors.
struct TagDe<'a>(De<'a>);

impl<'de> de::Deserializer<'de> for TagDe<'_> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.0.deserialize_identifier(visitor)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> VariantAccess<'de> for Tagged<'_, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.rest.first() {
            Some((k, _)) => Err(DeError {
                pos: Some(scalar_pos(k)),
                at: None,
                kind: DeErrorKind::UnknownKey {
                    key: k.as_str().to_string(),
                    expected: &[],
                },
            }),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, DeError> {
        Err(de::Error::custom("this kind takes no value"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, DeError> {
        Err(de::Error::custom("this kind takes no list"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_map(MapAcc::new(self.de, self.rest))
    }
}
