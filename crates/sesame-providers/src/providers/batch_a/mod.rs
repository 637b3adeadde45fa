//! Catalog providers (one module per provider).
#![allow(unused_imports)]

use crate::Entry;

pub(crate) fn entries() -> Vec<Entry> {
    vec![]
}
