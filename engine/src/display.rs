//! Values as Spark prints them. Being written.
