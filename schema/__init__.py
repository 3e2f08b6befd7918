"""The Strawberry schema: types mirroring the entities, the roots, and their extensions."""
