//! A plan's output: named, typed attributes with identities, as Spark's
//! AttributeReferences with their exprIds. `df.value` in Python is bound to
//! the attribute's id, which is how `a.x == b.y` picks a side in a join.

use arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh attribute id (Spark's exprId).
pub fn fresh_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub id: u64,
    pub name: String,
    pub ty: DataType,
    pub nullable: bool,
    /// The DataFrame alias (`df.alias("a")`) or view name that qualifies it.
    pub qualifier: Option<String>,
}

impl Attribute {
    pub fn new(name: impl Into<String>, ty: DataType, nullable: bool) -> Self {
        Attribute { id: fresh_id(), name: name.into(), ty, nullable, qualifier: None }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub attrs: Vec<Attribute>,
}

impl Schema {
    pub fn new(attrs: Vec<Attribute>) -> Self {
        Schema { attrs }
    }

    pub fn len(&self) -> usize {
        self.attrs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        self.attrs.iter().map(|a| a.name.clone()).collect()
    }

    pub fn index_of_id(&self, id: u64) -> Option<usize> {
        self.attrs.iter().position(|a| a.id == id)
    }

    /// The Arrow schema of batches with these columns.
    pub fn to_arrow(&self) -> SchemaRef {
        Arc::new(ArrowSchema::new(
            self.attrs
                .iter()
                .map(|a| Field::new(&a.name, a.ty.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }

    /// The same columns under fresh identities, as a new relation.
    pub fn with_qualifier(&self, q: &str) -> Schema {
        Schema {
            attrs: self
                .attrs
                .iter()
                .map(|a| Attribute { qualifier: Some(q.to_string()), ..a.clone() })
                .collect(),
        }
    }
}
