"""All of DynamoDB: the async client, the table, keys, records, cursors, transactions.

Nothing in this package knows about GraphQL.
"""
