"""Per-request DataLoaders: item lookups coalesced into BatchGetItem, Queries deduplicated."""
