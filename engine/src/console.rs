//! Spark's console sink output (`Dataset.showString`). Being written.
