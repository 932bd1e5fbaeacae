//! Tests of this area; see the module files.
