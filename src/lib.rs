//! capfsh
