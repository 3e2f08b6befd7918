"""All of DynamoDB: settings, the async client, keys, records, cursors, the engine.

Nothing in this package knows about GraphQL.
"""
