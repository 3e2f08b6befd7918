"""Resolvers: authorize, validate, then read through loaders or write through data/."""
